"""Every Redis key redline uses, in one place, under one configurable prefix.

========================  ======  ====================================================
key                       type    holds
========================  ======  ====================================================
``article:{id}``          hash    an article's state (see
                                  :class:`crawler.domain.models.ArticleState`), its fields
                                  named by :data:`crawler.domain.models.ARTICLE_FIELDS`
``article:@{id}``         hash    a discovery endpoint's state (see
                                  :class:`crawler.domain.models.EndpointState`), its fields
                                  named by :data:`crawler.domain.models.ENDPOINT_FIELDS`:
                                  endpoints share the schedule,
                                  the ready queue and the leases with articles, so their
                                  fetches keep to the same per-site limits
``versions:{id}``         list    its versions, oldest first (index = version number),
                                  each a compressed :class:`crawler.domain.models.Version`
``seen:{id}``             hash    fingerprint -> first version with that text; and
                                  ``flip:{pair}`` -> 1 for each revert published
``timeline:{id}``         list    ids (in ``events``) of the article's change events
``candidate:{id}``        string  the text (a compressed :class:`crawler.domain.models.Article`)
                                  of a change awaiting its confirming fetch
``canonical:{cid}``       string  id of the article that is the page with canonical id
``status:{status}``       set     ids of the articles in that status
``tracked``               set     ids of the articles the URLs file lists
``discovered``            set     ids of the articles discovery endpoints found
``endpoints``             set     ids of the discovery endpoints
``schedule``              zset    id -> epoch seconds of its next check (not yet due)
``ready``                 zset    id -> epoch seconds it became due; workers claim from it
``leases``                zset    id -> epoch seconds its worker's claim expires
``site:{site}``           hash    one site's health: counters, back-off, last error
``site:{site}:leases``    zset    id -> lease expiry, for the site's checks in flight
``site:{site}:pages:{h}`` hash    one site's pages in one hour (epoch hour): read by
                                  which layer, fell back, failed, not HTML; kept 2 days
``site:{site}:blocks``    hash    the site's template: mark of a block of text -> the
                                  articles it was read on and how often it flickered (see
                                  :mod:`crawler.detection.template`); bounded
``site:{site}:places``    hash    where blocks stand on the site's pages -> how often a
                                  block there flickered and held; bounded
``site:{site}:articles``  HLL     the site's articles whose pages were read
``sites``                 set     every site ever checked
``stats:{minute}``        hash    counters of one minute (epoch minute), kept two hours
``events``                stream  change events, oldest first (field ``data``)
``events:source:{s}``     stream  ids of one source's events (same ids, no fields but
                                  ``e``), so its feed is read without scanning
``events:kind:{k}``       stream  ids of the events of one change kind ("headline" ...)
``events:source:{s}:kind:{k}``
                          stream  ids of one source's events of one kind
``events:indexed``        string  set once every event is in the index streams above;
                                  from then on each event is indexed as it is published
``events:indexing``       string  token of the one process completing the index streams
(group) ``notify:{c}``     group   one notification channel's consumer group of ``events``:
                                  its position, and the events read but not yet sent
``notify:{c}``            hash    one channel's delivery health: sent, failures, back-off,
                                  last error, and its limit's window
``notify:channels``       set     every channel that ever joined
``archived:{id}``         hash    version number -> where its response is in the WARC
                                  files (file, offset, length, record id, digest)
``source:{s}:articles``   set     ids of the articles of one source
``source:{s}:endpoints``  set     ids of the discovery endpoints of one source
``source:{s}:status:{st}`` set    ids of one source's articles in that status
``source:{s}:totals``     hash    one source's counters since it was first checked
``source:{s}:pages:{h}``  hash    one source's pages in one hour, as for a site
``sources``               set     every source that has had an article
``health``                hash    source -> its current problems (JSON list), if any
``health:log``            stream  every change of a source's problems (the health feed)
``policy``                string  the recheck policy the clock publishes for workers
``rules``                 hash    source -> its extraction rules, published by the clock
``config``                hash    what the clock last loaded (file fingerprints, problems)
``clock:lock``            string  token of the one clock allowed to schedule
``schema``                string  the layout of the stored data (:data:`SCHEMA`), set
                                  once the clock has brought older data up to it
========================  ======  ====================================================

The article hashes are most of the memory of a large population: their fields have names
of one or two characters, and Redis keeps a hash of short values compact (a listpack)
when ``hash-max-listpack-value`` (``hash-max-ziplist-value`` before Redis 7) is at least
the longest URL or headline; the embedded Redis sets it to 512.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PREFIX = "redline:"
# What :meth:`Keys.site_leases` puts after the site's hash key.
SITE_LEASES_SUFFIX = ":leases"
# What :meth:`Keys.source_status` puts between the source and the status.
SOURCE_STATUS_INFIX = ":status:"
# The layout of the stored data: 2 names the article hash's fields by ARTICLE_FIELDS
# (1, unmarked, used the attribute names of ArticleState); 3 adds the status sets of each
# source; 4 has the site of every article and endpoint stored in its hash (derived by
# crawler.domain.identity.site_of only, never again in a script); 5 names an article taken
# out of the URLs file "untracked" and a change to a page that answers 404/410 "gone" (both
# were "removed", a paragraph's word).
SCHEMA = 5
# The id of a discovery endpoint starts with this mark (an article's never does).
ENDPOINT_MARK = "@"


def is_endpoint(record_id: str) -> bool:
    """Whether an id in the due queue is a discovery endpoint's (not an article's)."""
    return record_id.startswith(ENDPOINT_MARK)


@dataclass(frozen=True)
class Keys:
    """Builds key names under ``prefix``."""

    prefix: str = DEFAULT_PREFIX

    def article(self, article_id: str) -> str:
        """The hash of one article's state."""
        return f"{self.prefix}article:{article_id}"

    def versions(self, article_id: str) -> str:
        """The list of one article's versions."""
        return f"{self.prefix}versions:{article_id}"

    def seen(self, article_id: str) -> str:
        """The hash of the texts an article has had, and the reverts published."""
        return f"{self.prefix}seen:{article_id}"

    def timeline(self, article_id: str) -> str:
        """The list of one article's change event ids."""
        return f"{self.prefix}timeline:{article_id}"

    def candidate(self, article_id: str) -> str:
        """The text of an article's change awaiting confirmation."""
        return f"{self.prefix}candidate:{article_id}"

    def canonical(self, canonical_id: str) -> str:
        """Who answers for a canonical URL (by its id)."""
        return f"{self.prefix}canonical:{canonical_id}"

    def status(self, status: str) -> str:
        """The set of articles in one status."""
        return f"{self.status_prefix}{status}"

    def site(self, site: str) -> str:
        """One site's health hash."""
        return f"{self.site_prefix}{site}"

    def site_leases(self, site: str) -> str:
        """The leases of one site's checks in flight."""
        return f"{self.site_prefix}{site}{SITE_LEASES_SUFFIX}"

    def site_pages(self, site: str, hour: int) -> str:
        """One site's page counters of one hour (epoch seconds // 3600)."""
        return f"{self.prefix}site:{site}:pages:{hour}"

    def site_blocks(self, site: str) -> str:
        """The blocks of text of one site's template (:mod:`crawler.detection.template`)."""
        return f"{self.prefix}site:{site}:blocks"

    def site_places(self, site: str) -> str:
        """Where blocks stand on one site's pages, and how they behaved there."""
        return f"{self.prefix}site:{site}:places"

    def site_articles(self, site: str) -> str:
        """The articles of one site whose pages were read (a HyperLogLog)."""
        return f"{self.prefix}site:{site}:articles"

    def event_index(self, source: str = "", kind: str = "") -> str:
        """The stream of a feed's events: all (:attr:`events`), one source's, one kind's,
        or one source's of one kind."""
        if not source and not kind:
            return self.events
        scope = f":source:{source}" if source else ""
        return f"{self.events}{scope}" + (f":kind:{kind}" if kind else "")

    def source_articles(self, source: str) -> str:
        """The set of one source's article ids."""
        return f"{self.prefix}source:{source}:articles"

    def source_status(self, source: str, status: str) -> str:
        """The set of one source's articles in one status."""
        return f"{self.source_prefix}{source}{SOURCE_STATUS_INFIX}{status}"

    def source_totals(self, source: str) -> str:
        """One source's counters (checks, changes, ...) since it was first checked."""
        return f"{self.source_prefix}{source}:totals"

    def source_pages(self, source: str, hour: int) -> str:
        """One source's page counters of one hour (epoch seconds // 3600)."""
        return f"{self.source_prefix}{source}:pages:{hour}"

    def source_endpoints(self, source: str) -> str:
        """The set of one source's discovery endpoint ids."""
        return f"{self.prefix}source:{source}:endpoints"

    def stats(self, minute: int) -> str:
        """The counters of one minute (epoch seconds // 60)."""
        return f"{self.prefix}stats:{minute}"

    @property
    def article_prefix(self) -> str:
        """What :meth:`article` puts before the id (Lua scripts build keys with it)."""
        return f"{self.prefix}article:"

    @property
    def status_prefix(self) -> str:
        """What :meth:`status` puts before the status (Lua scripts build keys with it)."""
        return f"{self.prefix}status:"

    @property
    def source_prefix(self) -> str:
        """What the ``source:`` keys put before the source (Lua scripts build keys with it)."""
        return f"{self.prefix}source:"

    @property
    def site_prefix(self) -> str:
        """What :meth:`site` puts before the site (Lua scripts build keys with it)."""
        return f"{self.prefix}site:"

    @property
    def sites(self) -> str:
        return f"{self.prefix}sites"

    @property
    def tracked(self) -> str:
        return f"{self.prefix}tracked"

    @property
    def discovered(self) -> str:
        return f"{self.prefix}discovered"

    @property
    def endpoints(self) -> str:
        return f"{self.prefix}endpoints"

    @property
    def schedule(self) -> str:
        return f"{self.prefix}schedule"

    @property
    def ready(self) -> str:
        return f"{self.prefix}ready"

    @property
    def leases(self) -> str:
        return f"{self.prefix}leases"

    @property
    def events(self) -> str:
        return f"{self.prefix}events"

    @property
    def events_indexed(self) -> str:
        return f"{self.prefix}events:indexed"

    @property
    def events_indexing(self) -> str:
        return f"{self.prefix}events:indexing"

    @property
    def sources(self) -> str:
        return f"{self.prefix}sources"

    @property
    def health(self) -> str:
        return f"{self.prefix}health"

    @property
    def health_log(self) -> str:
        return f"{self.prefix}health:log"

    @property
    def policy(self) -> str:
        return f"{self.prefix}policy"

    @property
    def rules(self) -> str:
        return f"{self.prefix}rules"

    @property
    def config(self) -> str:
        return f"{self.prefix}config"

    @property
    def clock_lock(self) -> str:
        return f"{self.prefix}clock:lock"

    @property
    def schema(self) -> str:
        return f"{self.prefix}schema"

    def archived(self, article_id: str) -> str:
        """The hash of where each version of an article was archived."""
        return f"{self.prefix}archived:{article_id}"

    def notify_group(self, channel: str) -> str:
        """The consumer group of ``events`` of one notification channel (a group's name,
        not a key)."""
        return f"{self.prefix}notify:{channel}"

    def notify_channel(self, channel: str) -> str:
        """The hash of one notification channel's delivery health."""
        return f"{self.prefix}notify:{channel}"

    @property
    def notify_channels(self) -> str:
        return f"{self.prefix}notify:channels"
