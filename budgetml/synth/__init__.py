"""The sample-corpus generator and its evaluation: labelled disclosure PDFs whose truth is known.

Not part of the pipeline: the stages never import this package. It renders the seed fixture and the
sample corpus the pipeline is tested and evaluated on, and scores the pipeline's datasets against the
corpus labels.
"""
