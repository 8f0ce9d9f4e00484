"""Made-up text that variants put into pages: headlines, ad copy, sentences, words.

Plausible and neutral on purpose, and of varied lengths, like the real thing.
"""

from __future__ import annotations

HEADLINES = (
    "City council approves budget after marathon late-night session",
    "Storm knocks out power to thousands across the region",
    "Local bakery wins national award for its sourdough",
    "What the new tax rules mean for first-time home buyers",
    "Five things to watch in this weekend's match",
    "Police investigate break-in at downtown jewellery store",
    "Schools prepare for record enrolment as term begins",
    "Study links daily walks to better sleep in older adults",
    "Airline cancels dozens of flights as strike enters second day",
    "The best budget smartphones you can buy right now, tested and ranked by our reviewers",
    "Museum reopens its modern art wing after a two-year renovation",
    "Opinion: Our streets need fewer cars, not wider roads",
    "Markets slip as investors weigh central bank signals",
    "Coach says squad is ready despite injury worries",
    "Residents push back against plans for new highway interchange near the river",
    "How one family rebuilt their home after the floods",
    "Recall issued for frozen vegetables over listeria fears",
    "Watch: Rescue crews free whale tangled in fishing gear",
    "New bike lanes open on Main Street",
    "Retailers brace for a quieter holiday season as prices climb",
    "Lawmakers clash over proposed changes to voting districts",
    "Scientists spot rare comet visible to the naked eye this week",
    "Hospital waiting times fall for the first time in three years",
    "Startup raises $40 million to build cheaper batteries",
    "Review: A gripping thriller that never lets up",
    "Fire crews contain blaze at abandoned warehouse",
    "The quiet village that became an unlikely tourist hotspot",
    "Minister resigns amid row over expenses",
    "Heatwave warning issued as temperatures set to soar",
    "Ten recipes for a quick weeknight dinner",
)

AD_COPY = (
    "Save 20% on your next trip - book today",
    "Refinance now and lower your monthly payments",
    "The sneakers everyone is talking about. Shop the sale",
    "Try our meal kits free for two weeks",
    "Top-rated VPN: protect your privacy online",
    "Compare car insurance quotes in minutes",
    "New: the lightest laptop we have ever made",
    "Learn a language in just 10 minutes a day",
    "Doctors hate this one simple trick",
    "Upgrade your home Wi-Fi with mesh routers from $99",
)

LINK_LABELS = (
    "Related: ",
    "Read more: ",
    "Don't miss: ",
    "Popular now: ",
    "Also on the site: ",
    "Recommended: ",
    "Watch: ",
    "Trending: ",
    "You may also like: ",
    "",
)
"""What inline link paragraphs in an article body open with ("" for a bare link)."""

SENTENCES = (
    "The company did not immediately respond to a request for further comment.",
    "Officials said more details would be released later in the week.",
    "A spokesperson declined to say when the review would be completed.",
    "The figures have not been independently verified.",
    "Several residents said they had raised the matter months earlier.",
    "This article has been updated to include a response from the city.",
    "Analysts expect the decision to be challenged in court.",
    "It was not clear how many people were affected.",
)

WORDS = (
    "remarkable", "ordinary", "window", "harbour", "meeting", "silver", "market",
    "garden", "journey", "careful", "thunder", "pencil", "village", "mirror", "quickly",
    "orange", "station", "letter", "winter", "blanket",
)  # fmt: skip
