"""Build the long-lived engines handlers use (knowledge base, router ...), once per process."""
from __future__ import annotations

from config import Config
from handlers.types import Services

# Each capability registers a builder: name -> function(config) -> engine. Builders must be
# cheap or lazy; they run at process start.
BUILDERS: dict[str, object] = {
    "kb": lambda config: __import__("bot.kb_service", fromlist=["build"]).build(config),
}


def build_services(config: Config) -> Services:
    services = Services()
    for name, builder in BUILDERS.items():
        services.extra[name] = builder(config)  # type: ignore[operator]
    return services
