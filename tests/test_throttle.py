"""Login throttling: growing delays per client after failed logins, forgotten on success."""
from rag.ui.server import uploads_refused
from rag.ui.throttle import LoginThrottle


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_failures_earn_a_doubling_delay_up_to_the_cap(caplog):
    clock = Clock()
    throttle = LoginThrottle(free=3, max_delay_s=60, clock=clock)
    delays = [throttle.failed("10.0.0.7") for _ in range(10)]
    assert delays == [0, 0, 0, 1, 2, 4, 8, 16, 32, 60]
    assert throttle.wait_s("10.0.0.7") == 60 and throttle.wait_s("10.0.0.8") == 0   # per client
    clock.now += 61
    assert throttle.wait_s("10.0.0.7") == 0
    throttle.succeeded("10.0.0.7")
    assert throttle.failed("10.0.0.7") == 0                                           # forgotten
    assert "failed login from 10.0.0.7 (10 in a row)" in caplog.text


def test_300_guesses_take_hours_not_a_second():
    clock = Clock()
    throttle = LoginThrottle(max_delay_s=300, clock=clock)
    for _ in range(300):
        clock.now += throttle.wait_s("attacker")   # the attacker waits exactly as long as required
        throttle.failed("attacker")
    assert clock.now - 1000 > 20 * 3600


def test_memory_for_clients_is_bounded():
    throttle = LoginThrottle(clients=100, clock=Clock())
    for i in range(1000):
        throttle.failed(f"10.0.{i // 256}.{i % 256}")
    assert len(throttle) == 100


def test_uploads_are_refused_beyond_this_machine_without_a_login():
    assert uploads_refused("0.0.0.0", None) and uploads_refused("192.168.1.5", None)
    assert not uploads_refused("0.0.0.0", ("admin", "pw")) and not uploads_refused("127.0.0.1", None)
