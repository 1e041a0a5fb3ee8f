# The consentry capture proxy: mitmdump with addons/capture.py, writing to PostgreSQL.
# Built from the repository root: docker compose build proxy
FROM python:3.12-slim
WORKDIR /opt/consentry
COPY pyproject.toml setup.py README.md ./
COPY analyzer ./analyzer
COPY addons ./addons
COPY hooks ./hooks
COPY labdevice ./labdevice
RUN pip install --no-cache-dir . && useradd --create-home consentry
USER consentry
# The CA lives in a named volume mounted here, so it survives rebuilds and phones keep trusting it.
VOLUME /home/consentry/.mitmproxy
EXPOSE 8080
