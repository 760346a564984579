# One replica of the dashboard. Build: `docker build -t sdcf-metrics .`; run behind deploy/nginx.conf, see
# docs/deployment.md for the environment variables. Nothing is fetched at run time: every package is
# installed here, from requirements.txt (exact versions), and the app loads no CDN, tiles or telemetry.
FROM python:3.11-slim

# Debian's Chromium renders the PNG and SVG downloads (kaleido); fonts for their text.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /srv/sdcf/app
COPY requirements.txt ./
RUN pip install -r requirements.txt
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-deps . && rm -rf src build

COPY app.py ./
COPY pages ./pages
COPY .streamlit ./.streamlit

# The committed release, for a replica without SDCF_DATA_URL; with it, the mirror of the bucket is written
# here (mount a volume on /srv/sdcf/data to keep it across restarts). Owned by the app's user, which is
# not root and owns nothing else.
RUN useradd --system --uid 10001 --home-dir /srv/sdcf --shell /usr/sbin/nologin sdcf
COPY --chown=sdcf:sdcf data /srv/sdcf/data
USER sdcf

# config.toml binds 127.0.0.1 for a bare host; in a container the proxy reaches the replica from outside.
# Set STREAMLIT_SERVER_ALLOWED_HOSTS to the public host name and STREAMLIT_SERVER_COOKIE_SECRET to the same
# secret on every replica.
ENV SDCF_DATA_DIR=/srv/sdcf/data \
    STREAMLIT_SERVER_ADDRESS=0.0.0.0 \
    STREAMLIT_SERVER_PORT=8501 \
    STREAMLIT_SERVER_HEADLESS=true \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false
EXPOSE 8501

HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=2).read().strip() != b'ok')"]

CMD ["streamlit", "run", "app.py"]
