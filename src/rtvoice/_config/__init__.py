"""Private parts of :mod:`rtvoice.config`: the TypedDicts, the checks and the normalisers.

Import from :mod:`rtvoice.config`; these modules may move.
"""
