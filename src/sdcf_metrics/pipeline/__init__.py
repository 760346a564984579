"""The steward's write side as named steps: sources in, a published release out.

`validate` (and `cells`) check the human-edited sources; `disclosure` withholds small counts; `build` turns
the sources into typed, protected tables and publishes them through `release`; `upload` reads, converts and
previews a city's own file; `ingest` merges one into the sources and `transaction` publishes it (or rolls
back) as one journalled step; `template` writes the upload template. Nothing here imports Streamlit.
"""
