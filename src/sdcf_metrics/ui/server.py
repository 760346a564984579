"""What the server must do that `.streamlit/config.toml` cannot say: keep uploads in memory.

Streamlit parses an upload with Starlette's multipart parser, which spools any file over 1 MB to a
temporary file on disk. A visitor's file must never reach the disk (it is theirs alone, and the disk is
not to be filled by uploads), so the spool is made larger than anything the upload route accepts: the
largest upload plus the framing margin Streamlit allows while streaming it. Every page sets it before it
draws anything, so it is in place before the first uploader exists.
"""

from __future__ import annotations

import streamlit as st
from starlette.formparsers import MultiPartParser

# Streamlit streams an upload's body up to `server.maxUploadSize` MiB plus 1 MiB of multipart framing.
_FRAMING_BYTES = 2 * 1024**2


def keep_uploads_in_memory() -> None:
    """Make Starlette hold every upload the server accepts in memory, never in a temporary file."""
    largest = int(st.get_option("server.maxUploadSize")) * 1024**2 + _FRAMING_BYTES
    if MultiPartParser.spool_max_size < largest:
        MultiPartParser.spool_max_size = largest
