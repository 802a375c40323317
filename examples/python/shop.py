"""The app's own code the Python recipes call: a checkout that fails."""


def charge(order, cents):
    if cents <= 0:
        raise ValueError("amount must be positive")
