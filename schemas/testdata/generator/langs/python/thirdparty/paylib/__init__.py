"""A stand-in for a payment SDK installed from PyPI: it lives in site-packages."""


class GatewayError(Exception):
    pass


def charge(order_id, amount):
    return _post("/charges", {"order": order_id, "amount": amount})


def _post(path, body):
    raise GatewayError(f"gateway rejected {path} for order {body['order']}: card declined")
