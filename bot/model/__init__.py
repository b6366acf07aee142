"""What adapters translate: the neutral message model (messages, cards, forms), inbound
events, pure view builders, ports (Messenger, Directory, Links, Clock), strings and time.

Nothing here touches a database or a platform."""
