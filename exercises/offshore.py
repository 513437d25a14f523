"""offshore: Offshore platforms and payment channels

Answer sheet. Replace each None with your answer, save, then run:

    caselab check offshore

Generated from tests/quizzes/offshore.yml by `caselab sheets`; edit only the answers.
"""


# --------------------------------------------------------------------------------------
# q1 · text · 1 point · The supervisory tool used in June 2021
#
# In June 2021, as reported, China's central bank called the managers of several
# large banks and Alipay to a formal meeting and told them to act against payments for
# virtual-currency trading. What is this supervisory tool called? Give the Chinese term
# (two characters) or the English word this module uses.
#
# Answer: a short text in quotes, e.g. q1 = "..."; case and spacing do not matter
q1 = None


# --------------------------------------------------------------------------------------
# q2 · multi · 2 points · Who is exposed when an offshore exchange serves the mainland
#
# An offshore exchange serves mainland residents through its app. Under the Notice as
# reported, which of these mainland parties face liability in connection with that
# service? Choose all that apply.
#
#   A. The exchange's customer-service staff who work for it from an office in Shenzhen
#   B. A resident who bought bitcoin on the exchange, as a party to its unlawful
#   business
#   C. A payment firm that settles the exchange's yuan trades while knowing what they
#   are for
#   D. A hosting firm whose server once held an advert for the exchange, with no reason
#   to know
#   E. A marketing agency that knowingly runs paid campaigns steering users to the
#   exchange
#
# Answer: a list of every letter that applies, e.g. q2 = ["A", "C"]
q2 = None


# --------------------------------------------------------------------------------------
# q3 · choice · 1 point · What the banks and Alipay were told in June 2021
#
# Months before the Notice, China's central bank called in several banks and
# Alipay (支付宝) over virtual-currency trading, as reported. What were they told to do?
#
#   A. Freeze the accounts of customers known to hold virtual currency and pass their
#   names to the police.
#   B. Apply customer identification strictly and cut the payment links to exchanges and
#   to OTC dealers.
#   C. Stop serving exchanges' corporate accounts, while leaving transfers between
#   private users alone.
#   D. Remind customers that bitcoin is not legal tender, while leaving their payment
#   services as they were.
#
# Answer: one letter in quotes, e.g. q3 = "A"
q3 = None


# --------------------------------------------------------------------------------------
# q4 · multi · 2 points · Duties of banks and payment institutions
#
# As reported, what does the Notice require of financial institutions and non-bank
# payment institutions (非银行支付机构)? Choose all that apply.
#
#   A. Close the accounts of customers who are found to hold virtual currency
#   B. Provide no account opening, fund transfer, or clearing and settlement for the
#   business
#   C. Insure virtual currency held by qualified professional investors, within a cap
#   D. Accept no virtual currency as collateral for any loan or other obligation
#   E. Settle virtual-currency trades for customers who have passed real-name checks
#   F. Report leads on virtual-currency trading that they come across to the authorities
#
# Answer: a list of every letter that applies, e.g. q4 = ["A", "C"]
q4 = None


# --------------------------------------------------------------------------------------
# q5 · choice · 2 points · What the reporter's test shows
#
# Weeks after the Notice was published, the reporter traded bitcoin on a platform using
# mainland identity verification, a domestic bank card and Alipay, and was told new
# mainland users could still register (A12). Which reading is best supported?
#
#   A. Trading there was still lawful until 31 December 2021, since exchanges had until
#   then to clear out mainland users.
#   B. Banks and Alipay could settle the trades lawfully, since the customer had passed
#   real-name verification first.
#   C. The ban was in force, but this channel was still open, with onboarding and the
#   yuan leg running on the mainland.
#   D. The platform was at fault but the payment firms were not, since their duties
#   arise when the payee is a named exchange.
#
# Answer: one letter in quotes, e.g. q5 = "A"
q5 = None


# --------------------------------------------------------------------------------------
# q6 · choice · 1 point · What an orderly clear-out involved
#
# Exchanges announced an "orderly clear-out" (有序清退) of existing users verified as
# mainland residents (A4). Judging by the Huobi and Binance announcements as reported
# (Exhibit 2), what did such a clear-out involve?
#
#   A. Closing mainland accounts on the day the Notice was published and paying the
#   balances out in yuan.
#   B. Moving mainland users to a mainland subsidiary of the exchange, licensed by the
#   central bank.
#   C. Asking mainland users to verify again with a foreign passport so that they could
#   keep their accounts.
#   D. Refusing new mainland sign-ups, then cutting deposits, trading and CNY desks in
#   stages to a date.
#
# Answer: one letter in quotes, e.g. q6 = "A"
q6 = None


# --------------------------------------------------------------------------------------
# q7 · choice · 2 points · A compliance alert at an offshore exchange
#
# In November 2021 an offshore exchange's compliance analyst sees an account verified
# with a Cambodian passport that always logs in from Shenzhen, is funded through the
# exchange's C2C desk by Alipay transfers, and trades daily. The exchange's clear-out
# rule removes accounts whose verification shows mainland China. What should the analyst
# conclude?
#
#   A. The user is likely a mainland resident behind foreign papers; the test is who is
#   served, so the account should go.
#   B. The account is verified as foreign, so serving it is lawful under the Notice and
#   the clear-out rule has done its job here.
#   C. The exchange must freeze the account and transfer its assets to the Chinese
#   authorities, who will compensate the user.
#   D. FATF standards oblige the exchange to keep serving a customer whose passport has
#   been verified, wherever the user lives.
#
# Answer: one letter in quotes, e.g. q7 = "A"
q7 = None


# --------------------------------------------------------------------------------------
# q8 · ordering · 2 points · The payment line, from 2013 to the exit
#
# Put these events in chronological order, earliest first.
#
#   A. Binance says it will shut its C2C desk for yuan trades
#   B. Three industry associations warn members off any virtual-currency business
#   C. The Notice is published, with a question-and-answer note from the central bank
#   D. The central bank calls in several banks and Alipay over payment links to
#   exchanges
#   E. Huobi announces that it will retire existing mainland accounts
#   F. Financial and payment institutions are first barred from providing bitcoin
#   services
#
# Answer: every letter once, in order, e.g. q8 = ["C", "A", "B"]
q8 = None


# --------------------------------------------------------------------------------------
# q9 · choice · 2 points · A provincial office and a Telegram channel
#
# A provincial cyberspace office learns that the organiser of a closed WeChat group,
# a resident of the province, now runs a Telegram channel that promotes an offshore
# exchange to several thousand mainland members. Which response is within its reach?
#
#   A. Order Telegram's operator to close the channel, since its members are mainland
#   residents and the Notice binds them.
#   B. Do nothing further, since talk on a foreign app lies outside the Notice and the
#   WeChat group has already closed.
#   C. Require WeChat to monitor Telegram for its former members' posts and to report
#   the organiser's messages.
#   D. Pursue the organiser as a knowing promoter, and trace the payments; the app is
#   already blocked on the mainland.
#
# Answer: one letter in quotes, e.g. q9 = "A"
q9 = None


# --------------------------------------------------------------------------------------
# q10 · matching · 2 points · Situations and what the Notice does about them
#
# Match each situation to the measure of the Notice (as the article summarises it and as
# reported) that applies to it. One measure is not used.
#
#   1. A payment app carries a user's daily transfers that settle strangers' USDT buys
#   2. A mainland video site runs adverts for an offshore exchange
#   3. An app run from abroad signs up users with mainland identity cards
#   4. A Shanghai resident answers an offshore exchange's support calls for pay
#   5. A buyer sues a seller in a mainland court over undelivered USDT
#   A. The service itself counts as illegal financial activity
#   B. No account opening, fund transfers, or clearing and settlement; leads reported
#   C. Held liable according to law for taking part
#   D. The contract may be void for public order and good morals; losses then follow
#   fault
#   E. No online premises, display, marketing or paid traffic diversion (付费导流)
#   F. May continue until the exchange's own announced deadline for mainland users
#
# Answer: a dictionary pairing each number with a letter, e.g. q10 = {1: "B", 2: "A"}
q10 = None


# --------------------------------------------------------------------------------------
# q11 · multi · 2 points · What enforcement can reach
#
# Which of these can mainland authorities act on directly with the tools the Notice
# uses?
# Choose all that apply.
#
#   A. Mainland bank and payment accounts used to pay for virtual-currency trades
#   B. The offshore exchange's licence and its servers in its home jurisdiction
#   C. Whether the exchange's website and app can be reached from mainland networks
#   D. Stablecoin transfers made directly between two self-hosted wallets
#   E. An offshore exchange's domestic staff and its knowing domestic helpers
#   F. The posts of a Telegram channel run from abroad by someone who lives abroad
#
# Answer: a list of every letter that applies, e.g. q11 = ["A", "C"]
q11 = None


# --------------------------------------------------------------------------------------
# q12 · memo · 3 points · Memo for a payment institution
#
# You advise the head of compliance of a mainland non-bank payment institution
# (非银行支付机构) in October 2021. Monitoring shows individual users receiving many small
# transfers from strangers, each followed by a transfer out, with payment notes such as
# "USDT" — the pattern of person-to-person (C2C) trading desks like the one in A12.
# Write a memo with the sections **Problem**, **Options** and **Recommendation** (each a
# line starting `## `), 150–450 words, citing at least two of: the Notice
# (`yinfa-2021-237`), the three associations' announcement (`associations-2021-05`), the
# 2013 notice (`yinfa-2013-289`), FATF R.10 (`fatf-r10`).
#
# Answer: a memo as text in triple quotes, with "## " section headings
q12 = None
