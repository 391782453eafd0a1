"""Build the long-lived engines handlers use (knowledge base, router ...), once per process."""
from __future__ import annotations

import importlib

from config import Config
from handlers.types import Services

# name -> "module:function"; the function takes the config and returns the engine. Builders
# run at process start, so they must be cheap (load lazily on first use).
BUILDERS: dict[str, str] = {
    "kb": "services.kb_matcher:build",
}


def build_services(config: Config) -> Services:
    services = Services()
    for name, spec in BUILDERS.items():
        module, func = spec.split(":")
        services.extra[name] = getattr(importlib.import_module(module), func)(config)
    return services
