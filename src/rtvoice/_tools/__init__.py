"""Function tools, in private modules; :mod:`rtvoice.tools` is the public face."""
