# Image for ringwatch's own components (used by docker-compose.yml only).
FROM python:3.11-slim
WORKDIR /opt/ringwatch
COPY . .
RUN pip install --no-cache-dir -e .
USER nobody
