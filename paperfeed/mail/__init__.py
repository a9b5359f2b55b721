"""Outgoing e-mail: a message serialised once (`message`), the SMTP client that sends many over
one session with retries (`smtp`), and the outbox for one-off messages such as sign-in links
(`outbox`). Digests and the site compose messages; this package only sends them."""
