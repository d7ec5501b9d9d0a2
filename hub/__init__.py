"""Entraide: an omnichannel contact-center hub with a community help forum."""
