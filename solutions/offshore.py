"""offshore: Offshore platforms and payment channels

Reference answers (instructor's copy). Replace each None with your answer, save, then run:

    caselab check offshore

Generated from tests/quizzes/offshore.yml by `caselab sheets`; edit only the answers.
"""


# --------------------------------------------------------------------------------------
# q1 · text · 1 point · How the Notice classes offshore service
#
# According to the article's summary of the Notice (A6), what is an
# offshore virtual-currency exchange doing when it serves mainland
# residents over the internet? Give the English phrase (three words)
# or the Chinese term.
#
# Answer: a short text in quotes, e.g. q1 = "..."; case and spacing do not matter
q1 = 'illegal financial activity'


# --------------------------------------------------------------------------------------
# q2 · multi · 2 points · Who is exposed when an offshore exchange serves the mainland
#
# Under the Notice as reported, which of these face legal liability in
# connection with an offshore exchange's service to mainland residents?
# Choose all that apply.
#
#   A. The exchange's staff working inside mainland China
#   B. A domestic company that, knowing what the exchange does, handles payment
#   settlement for it
#   C. A domestic agency that knowingly runs marketing campaigns or provides technical
#   support for it
#   D. A mainland resident who bought bitcoin on the exchange, as an accomplice in the
#   exchange's unlawful business
#   E. The financial regulator of the country where the exchange is licensed
#
# Answer: a list of every letter that applies, e.g. q2 = ["A", "C"]
q2 = ['A', 'B', 'C']


# --------------------------------------------------------------------------------------
# q3 · choice · 1 point · The June 2021 summons of banks and Alipay
#
# Months before the Notice, the People's Bank of China (中国人民银行)
# summoned (约谈) several banks and Alipay (支付宝) in June 2021, as
# reported. What were they told to do?
#
#   A. Enforce customer identification and cut the payment links to virtual-currency
#   exchanges and OTC dealers.
#   B. Close the account of every customer who had ever held any virtual currency.
#   C. Open a pilot custody service for virtual currency under PBoC supervision.
#   D. Stop all personal transfers above RMB 50,000 until the end of 2021.
#
# Answer: one letter in quotes, e.g. q3 = "A"
q3 = 'A'


# --------------------------------------------------------------------------------------
# q4 · multi · 2 points · Duties of banks and payment institutions
#
# As reported, what does the Notice require of financial institutions
# and non-bank payment institutions (非银行支付机构)? Choose all that
# apply.
#
#   A. Provide no account opening, fund transfer, or clearing and settlement services
#   for virtual-currency business
#   B. Accept no virtual currency as collateral
#   C. Report leads on virtual-currency trading they find to the authorities
#   D. Close the accounts of all customers who hold any virtual currency
#   E. Offer virtual-currency insurance only to qualified professional investors
#   F. Process payments for virtual-currency trades as long as the customer has passed
#   real-name verification
#
# Answer: a list of every letter that applies, e.g. q4 = ["A", "C"]
q4 = ['A', 'B', 'C']


# --------------------------------------------------------------------------------------
# q5 · choice · 2 points · What the reporter's test shows
#
# In mid-October 2021 the reporter bought and sold bitcoin on a trading
# platform using mainland identity verification, a domestic bank card
# and Alipay; it worked, and customer service said mainland users could
# still register (A12). Which reading is best supported?
#
#   A. The prohibition was in force but this channel had not been shut; the platform was
#   still onboarding mainland users and the fiat leg still ran through domestic payment
#   tools.
#   B. Trading there was still lawful until 31 December 2021, because exchanges had
#   until then to clear out mainland users and the platform was using that transition
#   period.
#   C. The banks and Alipay had been authorised to settle bitcoin trades for customers
#   who had passed real-name verification, so the payments were compliant.
#   D. The Notice covers only tokens issued in ICOs and derivatives, so spot trading of
#   bitcoin for yuan was untouched by it.
#
# Answer: one letter in quotes, e.g. q5 = "A"
q5 = 'A'


# --------------------------------------------------------------------------------------
# q6 · choice · 1 point · What an orderly clear-out means
#
# Exchanges announced an "orderly clear-out" (有序清退) of existing
# users verified as mainland residents (A4). Judging by the Huobi and
# Binance announcements as reported, what did such a clear-out involve?
#
#   A. Freezing mainland users' assets at once and transferring them to the Chinese
#   authorities, who would repay users in yuan.
#   B. Stopping new mainland registrations, then cutting services in stages (deposits,
#   trading, CNY trading desks) by a set date while users could still withdraw.
#   C. Moving mainland users to a licensed mainland subsidiary of the exchange, to be
#   served under PBoC supervision.
#   D. Asking mainland users to re-verify with a foreign passport or residence permit so
#   that they could keep their accounts.
#
# Answer: one letter in quotes, e.g. q6 = "A"
q6 = 'B'


# --------------------------------------------------------------------------------------
# q7 · choice · 2 points · Why overseas-verified accounts gained value
#
# Right after exchanges announced they would clear out users verified
# as mainland residents (A4), the article reports a busy trade in
# accounts verified with overseas identities (A8–A10). What links the
# two?
#
#   A. The clear-outs keyed on the nationality or residence shown at verification, so an
#   account verified with an overseas identity fell outside the filter.
#   B. The Notice allows mainland residents to keep using offshore exchanges as long as
#   they verify with foreign identity documents.
#   C. Overseas-verified accounts pay lower trading fees and have higher withdrawal
#   limits than mainland-verified ones.
#   D. FATF rules oblige exchanges to keep serving any customer who verifies with a
#   valid passport, whatever the customer's residence.
#
# Answer: one letter in quotes, e.g. q7 = "A"
q7 = 'A'


# --------------------------------------------------------------------------------------
# q8 · ordering · 2 points · From signals to exit, in order
#
# Put these events in chronological order, earliest first.
#
#   A. Binance announces that its C2C CNY zone will close
#   B. The State Council Financial Stability and Development Committee calls for a
#   crackdown on bitcoin mining and trading
#   C. The Notice is published with a PBoC question-and-answer
#   D. The PBoC summons large banks and Alipay over payment links to exchanges
#   E. Huobi announces that it will retire existing mainland accounts
#   F. The date by which Huobi and Binance said mainland accounts and CNY desks would be
#   closed
#
# Answer: every letter once, in order, e.g. q8 = ["C", "A", "B"]
q8 = ['B', 'D', 'C', 'E', 'A', 'F']


# --------------------------------------------------------------------------------------
# q9 · choice · 1 point · The move to Telegram
#
# Over about half a month, WeChat groups about mining hash power and
# exchange trading announced they were closing, pointed members to
# Telegram and removed them (A2). From a supervisor's point of view,
# what does the move do?
#
#   A. It makes the groups' activity lawful, because Telegram is a foreign company and
#   the Notice binds only mainland platforms and what is said on them.
#   B. It takes the conversation off a mainland platform, which the Notice's duties on
#   internet companies bind (reported), onto a foreign service that mainland authorities
#   cannot direct; the people and the mainland payment channels remain within reach.
#   C. It shows that a court or regulator had ordered the WeChat groups dissolved, and
#   the members were complying with that order.
#   D. It shows that the members had given up trading and mining and were only keeping
#   in touch.
#
# Answer: one letter in quotes, e.g. q9 = "A"
q9 = 'B'


# --------------------------------------------------------------------------------------
# q10 · matching · 2 points · Actors and what the Notice asks of them
#
# Match each actor to what the Notice (as the article summarises it and
# as reported) says about it. One description is not used.
#
#   1. Banks and non-bank payment institutions
#   2. Internet platform companies
#   3. An offshore exchange serving mainland residents online
#   4. Mainland staff of an offshore exchange
#   5. Residents who invest in virtual currency
#   A. No account opening, fund transfers, or clearing and settlement for virtual-
#   currency business
#   B. No online premises, display, marketing or paid traffic diversion for virtual-
#   currency business
#   C. Its service falls within the Notice's list of prohibited activities
#   D. Liable according to law for taking part in the activity
#   E. Related civil acts are void and losses are borne by the investor
#   F. Must obtain a virtual-asset licence from the PBoC before serving mainland users
#
# Answer: a dictionary pairing each number with a letter, e.g. q10 = {1: "B", 2: "A"}
q10 = {'1': 'A', '2': 'B', '3': 'C', '4': 'D', '5': 'E'}


# --------------------------------------------------------------------------------------
# q11 · multi · 2 points · What enforcement can reach
#
# Which of these can mainland authorities act on directly with the
# tools the Notice uses? Choose all that apply.
#
#   A. Mainland bank and payment accounts used to pay for virtual-currency trades
#   B. An offshore exchange's domestic staff and domestic suppliers of marketing,
#   payments or technical support
#   C. Mainland internet platforms hosting promotion or trading groups
#   D. The offshore exchange's licence and servers in its home jurisdiction
#   E. Stablecoin transfers between two self-hosted wallets, with no intermediary
#   involved
#   F. Telegram, the company, to close groups whose members are mainland residents
#
# Answer: a list of every letter that applies, e.g. q11 = ["A", "C"]
q11 = ['A', 'B', 'C']


# --------------------------------------------------------------------------------------
# q12 · memo · 3 points · Memo for a payment institution
#
# You advise the head of compliance of a mainland non-bank payment
# institution (非银行支付机构) in October 2021. Monitoring shows
# individual users receiving many small transfers from strangers, each
# followed by a transfer out, with payment notes such as "USDT" — the
# pattern of person-to-person (C2C) trading desks like the one in A12.
# Write a memo with the sections **Problem**, **Options** and
# **Recommendation** (each a line starting `## `), 150–450 words,
# citing at least two of: the Notice (`yinfa-2021-237`), the three
# associations' announcement (`associations-2021-05`), the 2013 notice
# (`yinfa-2013-289`), FATF R.10 (`fatf-r10`).
#
# Answer: a memo as text in triple quotes, with "## " section headings
q12 = """
## Problem

Some of our users appear to act as counterparties on offshore
platforms' C2C desks: buyers of USDT pay them in yuan through our
accounts, and they release the coins on the platform. A reporter
could still trade this way with a domestic bank card and Alipay in
mid-October (A12). As reported, the Notice (yinfa-2021-237) bars
non-bank payment institutions from providing account opening, fund
transfer and clearing and settlement services for virtual-currency
business, and asks us to report leads; the associations'
announcement of May 2021 (associations-2021-05) had already, as
reported, told members not to serve it. Each transfer looks like an ordinary
personal payment, so the question is how to detect and act on a
pattern without blocking legitimate users.

## Options

1. Block any transfer whose note mentions a virtual currency. Cheap,
   but easy to evade by changing the note, and it misses the
   pattern.
2. Behaviour-based monitoring: flag accounts with many unrelated
   payers, quick pass-through and round amounts; re-verify the user
   and ask the purpose of the activity, as customer due diligence
   requires (fatf-r10); restrict or close accounts used for the
   business.
3. Option 2 plus reporting of leads to the PBoC and police, and a
   review of merchant and personal account limits.

## Recommendation

Option 3. The Notice's duty is about the business, not about
holders, so we act on accounts that are being used to settle trades,
not on customers who merely own virtual currency. Keep notes-based
screening only as one signal, document each decision, and report
leads as the Notice asks. Review the rules monthly, because the
desks change their instructions faster than we change ours.
"""
