"""Where digest e-mails point (the site's pages, signed unsubscribe links) and who sends them."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import getaddresses
from urllib.parse import quote

from paperfeed.digest.tokens import unsubscribe_token
from paperfeed.models import Subscription
from paperfeed.periods import Period
from paperfeed.secret import Secret


@dataclass(frozen=True, slots=True)
class Links:
    """Where e-mails point and who sends them."""

    public_url: str
    mail_from: str
    secret: Secret

    @property
    def domain(self) -> str:
        addresses = getaddresses([self.mail_from])
        address = addresses[0][1] if addresses else ""
        return address.rpartition("@")[2] or "paperfeed.invalid"

    def paper_url(self, arxiv_id: str) -> str:
        return f"{self.public_url}/papers/{quote(arxiv_id, safe='/')}"

    def listing_url(self, period: Period) -> str:
        return f"{self.public_url}/papers/{period.url_kind}/{period.key}"

    def settings_url(self) -> str:
        return f"{self.public_url}/settings"

    def unsubscribe_url(self, sub: Subscription) -> str:
        token = unsubscribe_token(self.secret, sub.id, sub.email)
        return f"{self.public_url}/digest/unsubscribe/{token}"

    def confirm_url(self, token: str) -> str:
        return f"{self.public_url}/digest/confirm/{token}"
