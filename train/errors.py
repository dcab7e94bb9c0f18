"""The one error type of the training part."""


class TrainError(Exception):
    """A problem the user can fix (missing data, bad option, unusable run folder).

    ``gan-train`` prints its message as one line on stderr and exits with code 2;
    the message says what went wrong and how to fix it.
    """
