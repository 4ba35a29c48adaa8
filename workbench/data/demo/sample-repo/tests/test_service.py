import unittest

from payments.gateway import CardDeclined, Charge, Gateway, TransientGatewayError
from payments.ledger import Ledger
from payments.service import PaymentService


def scripted(*answers: object) -> Gateway:
    queue = list(answers)

    def send(key: str, amount: int, currency: str) -> Charge:
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return Charge(f"ch_{key}", amount, currency)

    return Gateway(send)


class PaymentServiceTest(unittest.TestCase):
    def test_charge_is_recorded_once(self) -> None:
        ledger = Ledger()
        service = PaymentService(scripted("ok"), ledger, sleep=lambda s: None)
        result = service.charge("1001", 2500)
        self.assertTrue(result.ok)
        self.assertEqual(ledger.total_cents("EUR"), 2500)

    def test_transient_failure_then_success(self) -> None:
        gateway = scripted(TransientGatewayError("timeout"), "ok")
        service = PaymentService(gateway, Ledger(), sleep=lambda s: None)
        self.assertTrue(service.charge("1002", 990).ok)
        self.assertEqual(gateway.calls, 2)

    def test_declined_card_is_reported_and_charged_once(self) -> None:
        gateway = scripted(CardDeclined("do not honor"), "ok", "ok")
        ledger = Ledger()
        result = PaymentService(gateway, ledger, sleep=lambda s: None).charge("1003", 1200)
        self.assertFalse(result.ok)
        self.assertIn("declined", result.reason)
        self.assertEqual(gateway.calls, 1)
        self.assertEqual(ledger.entries, [])

    def test_rejects_non_positive_amounts(self) -> None:
        self.assertFalse(PaymentService(scripted(), Ledger()).charge("1004", 0).ok)


if __name__ == "__main__":
    unittest.main()
