# Entraide: one image for every process (web, worker, scheduler, migrations).
# Builds from a clean clone: the browser packages come from npm in the first stage and
# only the vendored files reach the image (no Node.js at run time, nothing from a CDN).
#
#   docker build -t entraide .
#   docker run --rm entraide entraide --help

# --- 1. Browser packages (npm, build time only) ----------------------------------------
FROM node:20-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# Keep in step with VENDOR_FILES in the Makefile (each file and its .map).
RUN mkdir -p /vendor \
    && cp node_modules/socket.io-client/dist/socket.io.min.js /vendor/ \
    && cp node_modules/socket.io-client/dist/socket.io.min.js.map /vendor/

# --- 2. Python package into a virtual environment --------------------------------------
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# README.m[d]: copied when it exists, without failing the build when it does not.
COPY pyproject.toml babel.cfg README.m[d] ./
COPY hub ./hub
COPY channels ./channels
COPY workers ./workers
COPY agent_ui ./agent_ui
COPY --from=assets /vendor/ ./agent_ui/static/vendor/
COPY --from=assets /vendor/ ./hub/webchat/static/vendor/
# Compile the translation catalogs (as `make translations` does) when there are any,
# so the .mo files are packaged; then install the hub itself (not editable).
RUN pip install 'babel>=2.12' \
    && if [ -n "$(find hub/translations -name '*.po' -print -quit 2>/dev/null)" ]; then \
         pybabel -q compile -d hub/translations -f; \
       fi \
    && pip install . \
    && cd / && python -c "import importlib.util as u, pathlib as p, sys; \
f = p.Path(u.find_spec('agent_ui').origin).parent / 'static/vendor/socket.io.min.js'; \
sys.exit(0 if f.is_file() else f'not packaged: {f}')"

# --- 3. Run time ------------------------------------------------------------------------
FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATA_DIR=/app/var
RUN useradd --system --uid 10001 --home-dir /app --create-home entraide \
    && mkdir -p /app/var \
    && chown entraide:entraide /app/var
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
USER entraide
# DATA_DIR: attachments fetched by the workers (and SQLite when DATABASE_URL is unset).
VOLUME ["/app/var"]
EXPOSE 5000
CMD ["entraide", "serve", "--host", "0.0.0.0", "--port", "5000"]
