import paylib


class PaymentError(Exception):
    pass


def validate_payment(amount, currency):
    if amount <= 0:
        raise ValueError("amount must be positive")
    if not currency:
        raise ValueError("currency is required")


def charge_card(order_id, amount):
    try:
        return paylib.charge(order_id, amount)
    except paylib.GatewayError as e:
        raise PaymentError(f"payment for order {order_id} failed") from e
