"""A multi-protocol LLM API gateway: OpenAI, Anthropic and Gemini clients, any provider behind.

The request path, one folder or module per step: ``web`` (routes from ``specs/``, auth, errors)
-> ``codecs`` (the inbound protocol decoded to ``canonical``) -> ``catalog`` (model to provider)
-> ``metering`` (reserve) -> ``providers`` (upstream call) -> ``codecs`` (encoded back) ->
``metering`` (settle). ``gateway.app.create_app`` builds the Flask application.
"""
