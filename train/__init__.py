"""Training the course report's GAN on FashionMNIST (``gan-train``). Needs the ``[train]`` extra."""
