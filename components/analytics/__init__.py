"""Rasa Pro Services (conversation analytics): consumes the event queue's topic and stores the
events in a database of its own. Cloud-neutral: it reads connections, never a cloud type."""
