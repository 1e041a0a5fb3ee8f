# consentry campaign workers: `consentry worker --analysis` and lab-device stations
# (`consentry worker --device lab`, which needs a JDK for the lab device). See docs/campaigns.md.
# Built from the repository root: docker compose build analysis
FROM python:3.12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends default-jdk-headless \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/consentry
COPY pyproject.toml setup.py README.md ./
COPY analyzer ./analyzer
COPY addons ./addons
COPY hooks ./hooks
COPY labdevice ./labdevice
RUN pip install --no-cache-dir . && useradd --create-home consentry
USER consentry
RUN mkdir -p /home/consentry/.local/share/consentry/campaigns
CMD ["consentry", "worker", "--analysis"]
