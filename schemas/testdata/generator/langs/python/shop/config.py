import json


class ConfigError(Exception):
    pass


def load(text):
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ConfigError("config load failed") from e
