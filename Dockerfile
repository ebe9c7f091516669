FROM python:3.13-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PROJECT_ENVIRONMENT=/opt/venv PATH=/opt/venv/bin:$PATH
WORKDIR /app
RUN pip install --no-cache-dir "uv>=0.9"
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-dev --no-install-project
COPY . .
RUN DEBUG=0 SECRET_KEY=collectstatic-only DATABASE_URL=postgres://unused/unused python manage.py collectstatic --no-input
# The app never writes to its own files: a hole in it cannot rewrite the code it runs.
RUN useradd --system --create-home sourcetrace
USER sourcetrace
# Reached only through the proxy (docker-compose.yml), which is the one published service.
EXPOSE 8000
