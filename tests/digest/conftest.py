"""Digest tests share the root fixtures, the SMTP server (`smtp`) among them."""
