"""`tokenforge serve`: a local web page to compare tokenizers on a text, browse a vocabulary (merge trees, usage)
and read the `tokenforge eval` report. The web framework (Starlette, uvicorn) is the `serve` extra and is imported
only by this package's `app` module; see docs/serve.md."""
