"""The Redis store: every key name, the connection, and one owner module for each key
family (articles and their versions and events, the due queue, discovery endpoints,
counters and health, the sites' templates, the settings shared by all processes, schema
upgrades). :class:`crawler.store.stores.Stores` builds them all from one connection."""
