"""What the Autobahn|Python interop scripts share: failing a scenario, and a refused join."""


class Failed(Exception):
    """A scenario saw something other than what it expected."""


def expect(cond, what):
    if not cond:
        raise Failed(what)


class Refused(Exception):
    """The router ABORTed the join: reason is the ABORT's URI."""

    def __init__(self, reason, message):
        super().__init__("{} {}".format(reason, message))
        self.reason = reason
