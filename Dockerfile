# ThreadLift's container image. Build:  docker build -t threadlift .
# Stage 1 builds the wheels (a full Python image, compilers included, for any dependency without a wheel);
# stage 2 is the slim runtime: the wheels installed, no compilers, no source tree, a non-root user.
ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
RUN python -m pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:${PYTHON_VERSION}-slim-bookworm
# libgl1/libglib2.0-0: OpenCV and MediaPipe load them; postgresql-client: pg_dump and pg_restore (15, as the
# compose file's server) for `threadlift backup` and `restore`; tini reaps and forwards signals.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 postgresql-client tini \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 threadlift \
    && useradd --system --uid 10001 --gid threadlift --home-dir /var/lib/threadlift --shell /usr/sbin/nologin threadlift \
    && install -d -o threadlift -g threadlift -m 0700 /var/lib/threadlift /etc/threadlift /var/backups/threadlift
COPY --from=build /wheels /wheels
RUN python -m pip install --no-cache-dir --no-index --find-links=/wheels threadlift \
    && rm -rf /wheels
USER threadlift:threadlift
# The data folder and the key live on separate volumes: a copy of the data volume never carries the key.
ENV THREADLIFT_DATA_DIR=/var/lib/threadlift \
    THREADLIFT_KEY_FILE=/etc/threadlift/photo-vault.key \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
VOLUME ["/var/lib/threadlift", "/etc/threadlift", "/var/backups/threadlift"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=4).status != 200)"]
ENTRYPOINT ["tini", "--", "threadlift"]
# Only the reverse proxy reaches this port (compose does not publish it), so any proxy address is trusted.
CMD ["serve", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers", "--forwarded-allow-ips", "*", "--log-level", "info"]
