"""The application factory: settings in, a ready Flask app out.

Everything the request path needs is built here once — specs, catalog, providers, ledger — and
hung on the app, so a test, the CLI and a production server (gunicorn) all get the same gateway
from ``create_app``.
"""

from __future__ import annotations

from flask import Flask

from gateway.catalog import load_catalog
from gateway.metering.meter import Meter
from gateway.pipeline import Gateway
from gateway.providers import build_providers
from gateway.settings import Settings, settings_from_env
from gateway.specs import load_specs
from gateway.web.errors import register_error_handlers
from gateway.web.routes import register_routes


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or settings_from_env()
    app = Flask("gateway")
    app.config["GATEWAY_SETTINGS"] = settings
    # One byte over the limit: a chunked body is cut at this length, and only a body longer than
    # the limit can tell the body reader (gateway.web.body) that the client sent too much.
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes + 1
    specs = load_specs(settings.specs_dir)
    catalog = load_catalog(settings.catalog_path)
    meter = Meter.from_settings(settings, catalog)
    app.extensions["gateway_specs"] = specs
    app.extensions["gateway"] = Gateway(catalog, build_providers(catalog, settings), meter)
    register_routes(app, specs)
    for blueprint in meter.blueprints(settings):
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    return app
