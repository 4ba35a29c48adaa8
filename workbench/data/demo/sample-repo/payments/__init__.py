"""ledgerline: charge cards, retry transient failures, record each charge once."""

from payments.gateway import CardDeclined, Gateway, TransientGatewayError
from payments.ledger import Ledger
from payments.service import ChargeResult, PaymentService

__all__ = ["CardDeclined", "ChargeResult", "Gateway", "Ledger", "PaymentService", "TransientGatewayError"]
