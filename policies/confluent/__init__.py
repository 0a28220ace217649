"""Confluent Cloud checks (pulumi-confluentcloud 2): the event queue on any cloud."""
