"""The review desk: a local web app (FastAPI, Jinja2, uvicorn on 127.0.0.1) over an output folder and the review store.

`data` loads the published datasets into memory (again whenever a run publishes a new generation); `queue`
filters, sorts and pages the review queue; `filing` gathers one filing's page; `export` writes the filtered
queue as CSV or XLSX; `app` serves them, records decisions and evidence images. Nothing here reruns a stage:
a decision is one row appended to the review store, and every page reads the store afresh.
"""
