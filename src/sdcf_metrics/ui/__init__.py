"""The user interface: the only package that imports Streamlit, with `app.py` and the files in `pages/`.

Importing `sdcf_metrics.ui` itself imports nothing; each module says what it draws.
"""
