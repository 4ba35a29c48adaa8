import unittest

from payments.gateway import CardDeclined, TransientGatewayError
from payments.retry import retry_call


class RetryTest(unittest.TestCase):
    def setUp(self) -> None:
        self.sleeps: list[float] = []

    def test_returns_first_success(self) -> None:
        self.assertEqual(retry_call(lambda: 42, sleep=self.sleeps.append), 42)
        self.assertEqual(self.sleeps, [])

    def test_retries_transient_errors_with_backoff(self) -> None:
        answers: list[Exception | str] = [TransientGatewayError("timeout"), TransientGatewayError("502"), "ok"]

        def flaky() -> str:
            answer = answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer

        self.assertEqual(retry_call(flaky, attempts=3, base_delay=0.1, sleep=self.sleeps.append), "ok")
        self.assertEqual(self.sleeps, [0.1, 0.2])

    def test_gives_up_after_the_last_attempt(self) -> None:
        def down() -> None:
            raise TransientGatewayError("503")

        with self.assertRaises(TransientGatewayError):
            retry_call(down, attempts=3, sleep=self.sleeps.append)
        self.assertEqual(len(self.sleeps), 2)

    def test_a_declined_card_is_not_retried(self) -> None:
        calls: list[int] = []

        def declined() -> None:
            calls.append(1)
            raise CardDeclined("insufficient funds")

        with self.assertRaises(CardDeclined):
            retry_call(declined, attempts=3, sleep=self.sleeps.append)
        self.assertEqual(len(calls), 1, "a declined card must not be charged again")


if __name__ == "__main__":
    unittest.main()
