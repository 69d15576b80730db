from feedback import create_app
from feedback.config import ConfigError

try:
    app = create_app()
except ConfigError as error:  # the setting's message, not a traceback through the factory
    raise SystemExit(f"Feedback Loop cannot start: {error.message}") from None
