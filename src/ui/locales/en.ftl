# English. Every message here has its twin in zh-Hant.ftl, with the same variables
# (checked by src/ui/i18n/tests.rs). Scheme facts are arguments, never written here.

## Buttons used on many screens

button-browse = 📚 Browse schemes
button-language = 🌐 Language / 語言
button-unsubscribe-some = 🔕 Unsubscribe…

## The command menu (setMyCommands)

menu-start = Welcome and example questions
menu-help = What to ask, with examples
menu-schemes = Browse schemes by category
menu-scheme = One scheme by name, e.g. /scheme tvp
menu-funding = Schemes by money, largest first
menu-match = What can I apply for?
menu-lang = Reply language: English / 繁體 / 简体
menu-about = Where the facts come from, dates, contacts
menu-subscribe = Get a message when a scheme changes
menu-unsubscribe = Stop updates
menu-subscriptions = What you follow

## /start

welcome-title = 👋 Hi! I answer questions about Hong Kong innovation and technology (I&T) schemes.
welcome-intro = I know { $count ->
        [one] { $count } scheme
       *[other] { $count } schemes
    } — funding, start-up support, talent, research and more — from official sources (ITC, ITF, HKSTP, Cyberport and others).
welcome-ask = Ask me in English or Chinese, for example:
welcome-example-1 = • How much can a company get from the Technology Voucher Programme?
welcome-example-2 = • Who can apply for TechTAS?
welcome-example-3 = • 科技人才入境計劃如何申請？
welcome-example-4 = • List talent schemes
welcome-commands = /schemes browse · /funding by money · /lang language · /help more

## /help

help-title = How to use me
help-intro = Ask a question in your own words, in English, 繁體 or 简体. I reply with the scheme that fits best and up to two more you may mean.
help-examples = Examples
help-example-1 = • Who can apply for TechTAS?
help-example-2 = • What is the most RAISe+ can fund?
help-example-3 = • Schemes for start-ups
help-example-4 = • 科技券如何申請？
help-commands = Commands
help-command-schemes = /schemes — browse schemes by category
help-command-scheme = /scheme <name> — one scheme, e.g. /scheme techtas
help-command-funding = /funding — schemes by money, largest first
help-command-lang = /lang — reply in English, 繁體 or 简体
help-command-about = /about — where the facts come from
help-groups = In groups
help-groups-how = {" "}mention me (@{ $me }) or reply to my message.
help-inline = In any chat
help-inline-how = {" "}type @{ $me } and a question to share a scheme card.
help-disclaimer = I am not a government service. Always check the official page before applying.

## /about

about-title = About this bot
about-sources = Facts on { $count ->
        [one] { $count } Hong Kong I&T scheme
       *[other] { $count } Hong Kong I&T schemes
    }, in our own words, from official sources: the 2024 Policy Address, the Innovation and Technology Commission (ITC) and Innovation and Technology Fund (ITF) websites, HKSTP, Cyberport, the Immigration Department, the UGC, the Digital Policy Office and government press releases.
about-as-of = As of:{" "}
about-as-of-text = every scheme card says when its facts were last checked; across all schemes that is between { $oldest } and { $newest }. Figures are in Hong Kong dollars. Schemes change, so always check the official page before applying.
about-itf = ITF enquiries:{" "}
about-other = Other schemes: each card says whom to ask; the Government's enquiry line is { $line }.
about-links = Links:{" "}
about-link-itf = Innovation and Technology Fund
about-link-itf-url = https://www.itf.gov.hk/en/
about-link-itc = Innovation and Technology Commission
about-link-itc-url = https://www.itc.gov.hk/en/
about-link-pa = 2024 Policy Address
about-link-pa-url = https://www.policyaddress.gov.hk/2024/en/p78.html
about-privacy = Privacy:{" "}
about-privacy-text = to understand follow-ups ("how much?"), I remember your last question and the scheme it was about for 30 minutes. Questions I could not answer, and answers marked 👎, are kept for 90 days without any user or chat id, so the team can fill the gaps.
about-unofficial = An unofficial assistant, not a government service.

## The language chooser (/lang)

# A language's name, in that language (shown whatever the reader's language).
language-name = English
lang-auto = automatic (the language of each question)
lang-menu-title = 🌐 Reply language
lang-menu-now = Now: { $name }
lang-menu-auto = 🔄 Automatic
# Written in the chosen language; `name` is that language's own name.
lang-chosen = ✅ I will reply in { $name }.
lang-chosen-auto = ✅ I will reply in the language of each question.

## Hints and short notices

slow-down = 🐢 You are sending messages very fast. Please wait a few seconds, then ask again.
media-hint = I can only read text. Please type your question, e.g. “Who can apply for the Technology Voucher Programme?”
words-please = Please ask your question in words, e.g. “How much does TVP give?”, or browse the schemes.
unknown-command = I don't know that command. Try /help, or just ask a question.
scheme-usage = Send /scheme and a scheme's name or short name, e.g. /scheme techtas or /scheme 科技券. Or browse:
sorry = Sorry, something went wrong on my side. Please try again.
expired-button = This button has expired. Send /schemes to browse again.
scheme-gone = That scheme is no longer listed. Send /schemes to browse.

## Subscriptions

topic-all = all schemes
topic-category = { $category } schemes
follow-stop = 🔕 Stop updates
follow-start = 🔔 Get updates
subscribe-menu-title = 🔔 Updates
subscribe-menu-text = Choose what to follow. I will send you one message when something changes: a new round, a new cap or ratio, a scheme opening or closing.
subscribe-menu-one = For one scheme: /subscribe followed by its name, e.g. /subscribe TechTAS, or tap 🔔 under any scheme.
subscribe-menu-all = ⭐ Everything
# One scheme changes; "all schemes" and "Talent schemes" change.
subscribed-scheme = ✅ Subscribed: I will tell you when { $topic } changes.
subscribed-many = ✅ Subscribed: I will tell you when { $topic } change.
subscribed-already = ℹ️ You already follow { $topic }; nothing changed.
button-my-subscriptions = 📋 My subscriptions
toggled-subscribed = ✅ Subscribed
toggled-already = Already subscribed
toggled-unsubscribed = 🔕 Unsubscribed
toggled-not-subscribed = Not subscribed
unsubscribed = 🔕 Unsubscribed from { $topic }.
unsubscribed-not-following = ℹ️ You were not following { $topic }.
unsubscribed-all = 🔕 Unsubscribed from everything ({ $count }).
button-subscribe-again = 🔔 Subscribe again
unknown-topic = I could not find a scheme or category called “{ $arg }”.
button-choose-from-list = 🔔 Choose from a list
subscriptions-none = You are not following anything yet.
button-subscribe = 🔔 Subscribe
subscriptions-title = 📋 You follow:
button-unsubscribe-all = ✖ Unsubscribe from everything

## Admin screens

not-allowed = Sorry, you are not allowed to do that.
gaps-title = Unanswered questions, last 90 days (most frequent first)
gaps-none = Nothing yet.
stats-title = 📊 Statistics
stats-chats = Chats: { $active } active, { $inactive } inactive (blocked or left)
stats-outbox = Outbox: { $pending } waiting, { $sent } delivered, { $failed } failed, { $dropped } dropped
stats-by-topic = Subscribers by topic:
stats-none = none yet
reloaded = ✅ Corpus reloaded: { $schemes ->
        [one] { $schemes } scheme
       *[other] { $schemes } schemes
    }, { $changes } changed, { $notices ->
        [one] { $notices } notice
       *[other] { $notices } notices
    } queued.
reload-refused = ⚠️ The corpus was refused; the previous one is still serving.
broadcast-preview = 📢 Send this to { $count ->
        [one] { $count } subscribed chat
       *[other] { $count } subscribed chats
    }?
button-send = ✅ Send
button-cancel = ✖ Cancel
broadcast-usage = Usage: /broadcast <the announcement text>
broadcast-queued = 📢 Queued for { $count ->
        [one] { $count } chat
       *[other] { $count } chats
    }.
broadcast-gone = This announcement was already sent or cancelled.
broadcast-cancelled = ✖ Announcement cancelled.

## Feedback on an answer (👍 / 👎)

feedback-thanks = Thanks for the feedback!
feedback-what-was-missing = Sorry that didn't help. What were you looking for? Type it in a few words, or tap Skip.
button-skip = Skip
feedback-skipped = No problem. Ask me anything else about a scheme whenever you like.
feedback-comment-noted = Thanks, noted for the team. Here is what I found:

## Small talk

smalltalk-greeting = Hello! 👋 I answer questions about Hong Kong's innovation and technology schemes: funding, talent and industry support.
smalltalk-thanks = You're welcome! Ask me anything else about a scheme whenever you like.
smalltalk-bye = Goodbye, and good luck with your application! I'm here whenever you need me.
smalltalk-identity = I'm schemebot, an automated assistant (not a person, and not a government service). I answer from a fact sheet about Hong Kong's I&T schemes, with the date of each fact and a link to the official page.
smalltalk-help = Of course. Tell me what you are looking for, in your own words, or tell me who you are and I'll list what you can apply for.
smalltalk-examples = For example:
smalltalk-example-1 = • My restaurant wants QR ordering: is there funding?
smalltalk-example-2 = • Who can apply for TechTAS?
smalltalk-example-3 = • Which schemes can I apply for as a student?
button-what-can-i-apply-for = 🧭 What can I apply for?

## Lists of schemes

list-title = Hong Kong I&T schemes I can tell you about:
list-ask = Ask me about any of them, e.g. “How much can I get?” or “Who can apply?”.
button-all-categories = ⬅️ All categories
filtered-by-money = Schemes by money, largest figure first:
filtered-by-deadline = Deadlines coming up:
filtered-open-for = Open now, for { $who }:
filtered-open = Schemes open for applications now:
filtered-for = Schemes { $who } can apply to:
filtered-all = Schemes:
filtered-none = None in the facts I hold right now. Browse every scheme with /schemes.
filtered-open-as-of = status as of { $date }
filtered-footer = From the facts I hold; check each official page before applying.
suggestions-title = I'm not sure I understood. Did you mean one of these?
suggestions-footer = Tap one to see it, or ask again in other words.
no-match = Sorry, I couldn't find a Hong Kong I&T scheme that matches your question. I answer questions about innovation and technology funding, talent and industry schemes.
no-match-try = Try asking:
no-match-example-1 = • How much can a company get from the Enterprise Support Scheme?
no-match-example-2 = • Who can apply for TechTAS?
no-match-example-3 = • List talent schemes
no-match-example-4 = • 企業支援計劃如何申請？ (Chinese works too)
no-match-browse = Or browse all schemes with /schemes: each one says whom to ask.
no-match-elsewhere = For other government services, call the Government's enquiry line { $line }.
which-scheme = Which scheme do you mean? Name it in your question, or tell me about your situation and I will find the ones that fit.
which-scheme-example-name = • Who can apply for TechTAS?
which-scheme-example-situation = • I run a small restaurant and want QR ordering: is there a subsidy?
# Above an answer whose question also names programmes that are not Hong Kong I&T schemes.
not-covered = I cover only Hong Kong I&T schemes, so I have nothing on { $names }: for that, call the Government's enquiry line { $line }.

## Who applies (the applicant kinds of text/data/vocabulary.toml)

applicant-public = the public
applicant-individual = individuals
applicant-student = students
applicant-graduate = graduates
applicant-researcher = researchers
applicant-overseas-talent = non-local talent
applicant-start-up = start-ups
applicant-sme = SMEs
applicant-company = companies
applicant-manufacturer = manufacturers
applicant-university = universities
applicant-school = schools
applicant-fund-manager = fund managers
applicant-accelerator = accelerators
applicant-rd-centre = R&D centres

## /funding

funding-title = 💰 Schemes by money, largest figure first
funding-per-project = up to { $figure } per project
funding-per-applicant = up to { $figure } per applicant
funding-per-person = up to { $figure } per person
funding-total = { $figure } in total
funding-no-figure = No published figure
funding-closed = Closed to new applications
funding-footer = Each figure is the largest single amount in the scheme's fact sheet, in Hong Kong dollars. Check the official page before applying.

## Notices to subscribers

notice-title = 🔔 Scheme update
notice-added = 🆕 New scheme:{" "}
notice-removed = 🗑 No longer listed:{" "}
notice-change = • { $field }: { $old } → { $new }
notice-updated = • { $field } updated: { $new }
notice-none = none
# Between the names of several schemes.
list-separator = {", "}
# A status of older corpora, still named in old notices.
status-preparing = in preparation
official-page = Official page
field-name = Name
field-acronym = Short name
field-category = Category
field-status = Status
field-status-since = Status since
field-alternatives = You may look at instead
field-opens = Applications open
field-deadline = Deadline
field-url = Official page
field-total-budget = Total budget
field-max-per-project = Maximum per project
field-min-project-cost = Minimum project cost
field-max-per-applicant = Maximum per applicant
field-max-per-person = Maximum per person
field-monthly-allowance = Monthly allowance
field-matching-ratio = Matching
field-summary = What it is
field-eligibility = Who can apply
field-money-text = Money
field-apply = How to apply
field-status-text = Latest status
reminder-title = ⏰ Deadline reminder
reminder-today = today
reminder-tomorrow = tomorrow
reminder-in-days = in { $days ->
        [one] { $days } day
       *[other] { $days } days
    }
reminder-closes = : applications close { $when } ({ $deadline }).
broadcast-title = 📢 Announcement

## Compare cards

compare-who = 👥 Who can apply
compare-money = 💰 Money and matching
compare-status = 📅 Status and dates
compare-body = 🏛 Responsible body
compare-within = Its programmes differ in what they fund and who may apply:
compare-footer = Tap a scheme for its details; check each official page before applying.
compare-no-applications = no applications (not a grant scheme)
compare-individuals = {"; "}individuals can apply
compare-not-individuals = {"; "}not individuals
compare-no-figure = no figure in my facts
# Between facts in one line.
fact-separator = {"; "}

## Short answers and their section buttons

section-overview = ℹ️ Summary
section-money = 💰 Money
section-eligibility = 👥 Who can apply
section-apply = 📝 How to apply
section-status = 📅 Status and dates
section-full = 📄 Full details
brief-related = ℹ️ A related fund, not an I&T scheme.
brief-as-of = Facts as of { $date }.{" "}
brief-money = 💰 Money
brief-money-past = 💰 Money (past terms)
brief-eligibility = 👥 Who can apply
brief-eligibility-past = 👥 Who could apply (past terms)
brief-no-individuals = Individuals cannot apply directly.
brief-apply = 📝 How to apply
brief-status = 📅 Status
brief-more = {" "}(more: 📄 Full details)

## What can I apply for? (/match)

match-title = Let's find what you can apply for.
match-step-1 = Step 1 of 2: who are you (or who would apply)?
match-step-2 = Step 2 of 2: what do you need?
match-everything = ✨ Show everything
match-none = None of the schemes I know fits that. Try "Show everything", or browse with /schemes.
match-more = …and { $count } more: pick a need to narrow the list.
match-again = ↩️ Start again
match-narrow = 🎯 Narrow by what you need
match-direct-individual = individuals apply directly
match-direct = you apply directly
match-via-university = you apply through your university, not to the funding body
match-through-university = your university applies for you
match-through-school = your school applies for you
match-through-start-up = a start-up you found or join applies
match-through-employer = your employer applies for you
match-upcoming = not open yet
match-not-announced = next round not announced
match-closed = closed
# "I am …", step one's buttons (the applicant kinds of matching::WHO).
who-individual = 👤 An individual
who-student = 🎓 A student
who-graduate = 🧑‍🎓 A graduate
who-researcher = 🔬 A researcher
who-overseas-talent = ✈️ Talent from outside HK
who-start-up = 🚀 A start-up
who-sme = 🏪 An SME or shop
who-company = 🏢 A company
who-manufacturer = 🏭 A manufacturer
who-university = 🏛 A university
who-rd-centre = 🧪 An R&D centre
who-school = 🏫 A school or teacher
who-fund-manager = 💼 A fund manager
who-accelerator = ⚡ An accelerator
# Needs (the need keys of text/data/vocabulary.toml).
need-rd-funding = R&D funding
need-research-grant = Research grants
need-commercialisation = Turning research into products
need-hiring = Hiring talent
need-internship = Internships
need-training = Staff training
need-visa = A visa to work in HK
need-space = Office or lab space
need-incubation = Incubation
need-compute = Computing power
need-investment = Investment
need-production = Production lines
need-digitalisation = Going digital
need-market-expansion = New markets
need-teaching = Teaching IT
need-collaboration = Research partners

## The scheme card, money and status in words

category-talent = Talent
category-research = Research
category-startup = Start-ups
category-industry = Industry
category-funding = Funding for projects
category-investment = Investment funds
category-infrastructure = Infrastructure and institutes
category-education = Education
status-open = open for applications
status-upcoming = opening soon
status-closed = closed to new applications
status-ongoing = in operation, no application round
status-not-announced = next round not announced
status-label = ({ $status }, as of { $date })
status-label-since = ({ $status } since { $since }, as of { $date })
status-deadline = {" "}— deadline { $date }
status-deadline-passed = {" "}— the deadline ({ $date }) has passed
# The responsible bodies (corpus `enquiry.body`).
body-itf = ITF Secretariat
body-itc = Innovation and Technology Commission
body-itib = Innovation, Technology and Industry Bureau
body-mrdi = Hong Kong Microelectronics Research and Development Institute
body-immd = Immigration Department
body-hkstp = Hong Kong Science and Technology Parks Corporation
body-cyberport = Cyberport
body-dpo = Digital Policy Office
body-ugc = University Grants Committee / Research Grants Council Secretariat
body-tid = Trade and Industry Department
enquiry-own = Enquiries about this scheme: { $contacts }.
enquiry-body = Enquiries: { $who } — { $contacts }.
enquiry-page = Enquiries: { $who } (see the official page), or the Government's enquiry line { $line }.
contact-separator = {", "}
partner-applicant = applicant
partner-company = company
partner-sme = SME
partner-operator = operator
partner-university = university
partner-university-or-others = university or others
partner-industry = industry
partner-industry-and-university = industry and university together
partner-market = market
partner-co-investor = co-investment partner
partner-private-investment = private investment
ratio-exact = { $government } (Government) : { $partner } ({ $who })
ratio-up-to = up to { $government } (Government) : { $partner } ({ $who })
ratio-about = about { $government } (Government) : { $partner } ({ $who })
ratio-part = { $part }, { $ratio }
# Amounts: the figure is written by code (10, 1.5, 600,000); large and medium units differ
# by language (billion and million; 億 and 萬).
hkd-large = HK${ $figure } billion
hkd-medium = HK${ $figure } million
hkd-plain = HK${ $figure }
money-fact = • { $label }: { $value }
brief-instead = Where to look now:{" "}
also-mean = You may also mean:{" "}
card-related = ℹ️ Not an innovation and technology scheme: a related fund that people often ask about alongside them.
card-policy-address = 🏛 2024 Policy Address
card-look-at = You may look at:{" "}
card-look-at-note = {" "}(check each one's eligibility; buttons below).
card-more-link = more { $n }
card-as-of = Facts as of { $date }. Check the official page before applying.{" "}
list-closed = {" "}(closed)
button-official-website = 🔗 Official website
closed-since = ⛔ Closed: no new applications since { $date }.
closed = ⛔ Closed: no new applications.
stale-note = 🕰 These facts were last checked in { $date }; they may have changed since. Please check the official page.

## The /gaps report (one line per group of unanswered questions)

gaps-line = { $count }× "{ $example }" ({ $outcomes })
gaps-no-answer = { $count } no answer
gaps-did-you-mean = { $count } did-you-mean
gaps-thumbs-down = { $count } 👎
gaps-offered = {" "}→ offered { $schemes }
gaps-wanted = {" "}· wanted: { $comments }
