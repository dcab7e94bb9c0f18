"""Floor 3 of ganedge: the measuring wing, what the report only eyeballed.

- :mod:`.classifier`: the measuring FashionMNIST classifier;
- :mod:`.metrics`: Frechet distance, precision and recall in its feature space;
- :mod:`.shares`: class shares of rows of images and how far they move;
- :mod:`.evaluate`: ``gan-eval``'s measurement, beside a floor and noise;
- :mod:`.sweep`: ``gan-sweep``'s measurement over every latent number and direction;
- :mod:`.tables`: the text tables the commands print.

Imports the base and the generator runtime (floors 1 and 2) only.
"""
