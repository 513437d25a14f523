"""courts: Virtual currency in the courts

Reference answers (instructor's copy). Replace each None with your answer, save, then run:

    caselab check courts

Generated from tests/quizzes/courts.yml by `caselab sheets`; edit only the answers.
"""


# --------------------------------------------------------------------------------------
# q1 · choice · 1 point · What the publication date tells us
#
# According to A14, the written judgment in Zheng's case appeared at the end of
# September
# 2021. The Notice of 2021 was made public on 24 September (reported). A classmate
# concludes that the court deliberately set the new Notice aside. What is the most
# careful reading of the dates?
#
#   A. The court applied the new Notice, since a court decides on the rules in force on
#   the day its judgment is posted.
#   B. The court chose to set the new Notice aside, since a judgment posted after a rule
#   and silent on it rejects that rule.
#   C. Posting follows decision, so the case was probably decided before 24 September;
#   the dates show no view of the court.
#   D. The Notice was probably drafted with this dispute in view, since the two
#   documents appeared within days of each other.
#
# Answer: one letter in quotes, e.g. q1 = "A"
q1 = 'C'


# --------------------------------------------------------------------------------------
# q2 · multi · 2 points · Who said what in the wallet case
#
# Sort the article's account (A14 to A16). Which of these were arguments of the wallet
# company or findings of the court? Pick every one that was.
#
#   A. The company argued that Zheng's USDT investment lay outside the protection of the
#   law.
#   B. The court found the company negligent but cut the damages because USDT is not
#   money.
#   C. The company argued that a judgment for Zheng would in effect endorse investing in
#   USDT.
#   D. The court held the custody contract void under the Civil Code's public-order
#   clause.
#   E. The court found that, like bitcoin, USDT lacks the legal status of money in
#   China.
#
# Answer: a list of every letter that applies, e.g. q2 = ["A", "C"]
q2 = ['A', 'C', 'E']


# --------------------------------------------------------------------------------------
# q3 · multi · 2 points · What the 2013 notice said
#
# Which propositions come from the 2013 notice 《关于防范比特币风险的通知》
# (银发〔2013〕289号)? Pick every one that does.
#
#   A. Financial and payment institutions may not price in bitcoin, trade it or provide
#   bitcoin services.
#   B. Where investing in bitcoin offends public order and good morals, the related
#   civil acts are void.
#   C. Bitcoin is not issued by a monetary authority and has no legal-tender status or
#   compulsory force.
#   D. Members of the public may keep bitcoin they already hold but may no longer buy or
#   sell it.
#   E. Members of the public remain free to buy and sell bitcoin, bearing the risk
#   themselves.
#
# Answer: a list of every letter that applies, e.g. q3 = ["A", "C"]
q3 = ['A', 'C', 'E']


# --------------------------------------------------------------------------------------
# q4 · text · 1 point · The first consequence of a void act
#
# When a civil act is void, the Civil Code's rule on what follows first tells each party
# what to do with the property it obtained under the act; only then does it turn to
# fault. What is that
# first consequence? One English word as this module's Reading names it, or the Chinese
# term.
#
# Answer: a short text in quotes, e.g. q4 = "..."; case and spacing do not matter
q4 = 'restitution'


# --------------------------------------------------------------------------------------
# q5 · numeric · 2 points · The exchange rate implied by the claim
#
# Exhibit 1 gives Zheng's claim in tokens and, in the alternative, in renminbi. What
# rate, in renminbi per USDT, does the alternative imply? Round to 3 decimal places.
#
# Answer: a number in CNY per USDT, e.g. q5 = 12.5, rounded to 3 decimal places (right
# within ±0.0005 of the exact value; more decimals, or fewer, do not count)
q5 = 6.457


# --------------------------------------------------------------------------------------
# q6 · numeric · 2 points · The claim at the article's round conversion
#
# Value the tokens of Zheng's claim (Exhibit 1) at the rate the article implies when it
# converts the asking price of one verified account into renminbi (Exhibit 3). Give the
# result in yuan, to the nearest yuan.
#
# Answer: a number in CNY, e.g. q6 = 125, rounded to a whole number (right within ±0.5
# of the exact value; more decimals, or fewer, do not count)
q6 = 224000


# --------------------------------------------------------------------------------------
# q7 · choice · 2 points · Reading the implied rate against market rates
#
# Set the rate implied by the wallet claim (q5) beside the monthly DEXCHUS means in
# Exhibit 3. Which inference is sound?
#
#   A. The claim overstated the loss, because the right rate is October's mean, the
#   month after the judgment was posted.
#   B. The claim matches tokens valued near September's mean dollar rate; it fits USDT
#   at about one dollar, not a date.
#   C. The closeness of the claim's rate to September's mean shows that the coins were
#   lost in September 2021.
#   D. The claimant used the official rate, because DEXCHUS is the central parity rate
#   that China's central bank publishes.
#
# Answer: one letter in quotes, e.g. q7 = "A"
q7 = 'B'


# --------------------------------------------------------------------------------------
# q8 · ordering · 2 points · From the 2013 notice to the judgment
#
# Put these events in chronological order, earliest first.
#
#   A. The wallet-case judgment is published.
#   B. The central bank, the industry ministry and the financial regulators of the time
#   issue the notice on bitcoin risks.
#   C. The Notice on virtual-currency trading speculation is published with a Q&A.
#   D. Seven government bodies announce that all token-issuance financing must stop at
#   once.
#   E. The Civil Code, with its clauses on void acts and their consequences, takes
#   effect.
#
# Answer: every letter once, in order, e.g. q8 = ["C", "A", "B"]
q8 = ['B', 'D', 'E', 'C', 'A']


# --------------------------------------------------------------------------------------
# q9 · matching · 2 points · Which document says what
#
# Match each document with the proposition it contains. One proposition on the right
# belongs to none of them.
#
#   1. 银发〔2013〕289号
#   2. The 2017 announcement on token-issuance financing
#   3. 银发〔2021〕237号
#   4. Civil Code of 2020
#   A. Token sales that raise bitcoin or ether are in substance unapproved public
#   fundraising; completed sales arrange refunds.
#   B. Where investing in virtual currency offends public order and good morals, related
#   civil acts are void (reported).
#   C. Bitcoin websites file with the telecom regulators and come under anti-money-
#   laundering supervision (reported).
#   D. An act contrary to public order and good morals is void; property obtained under
#   a void act goes back.
#   E. Virtual-asset service providers must be licensed or registered and pass on payer
#   and payee data.
#
# Answer: a dictionary pairing each number with a letter, e.g. q9 = {1: "B", 2: "A"}
q9 = {'1': 'C', '2': 'A', '3': 'B', '4': 'D'}


# --------------------------------------------------------------------------------------
# q10 · choice · 2 points · How a court voids a virtual-currency contract
#
# In 2022 a mainland court holds a contract to buy USDT void. Following the reported
# practice described in the Reading, what is the legal basis of that holding?
#
#   A. Civil Code art. 153(2) on public order and good morals, with the 2021 Notice read
#   as showing what public order requires.
#   B. The 2021 Notice alone, treated as a mandatory provision of law whose breach voids
#   a contract under art. 153(1).
#   C. The 2021 Notice's clause, read as voiding virtual-currency contracts whatever
#   their content and the parties' conduct were.
#   D. The 2013 notice's own-risk principle, which makes a valid purchase contract void
#   as soon as the buyer suffers a loss.
#
# Answer: one letter in quotes, e.g. q10 = "A"
q10 = 'A'


# --------------------------------------------------------------------------------------
# q11 · choice · 2 points · Variant: a renminbi deposit
#
# Change the facts: Zheng had placed renminbi in a current account at a commercial bank,
# and the money vanished from the account. The article compares the wallet firm with a
# bank
# (A14). Which analysis fits the case's sources best?
#
#   A. The claim fails as the original did, since the 2013 own-risk principle covers
#   assets held with an eye to gain.
#   B. The claim fails, since the 2021 Notice voids accounts that were used, even in
#   part, for speculation.
#   C. The original claim should have won too, since the reporter's analogy shows the
#   wallet firm owed a bank's duties.
#   D. The virtual-currency documents do not touch it, since a renminbi deposit is
#   money; the ordinary law of deposits decides.
#
# Answer: one letter in quotes, e.g. q11 = "A"
q11 = 'D'


# --------------------------------------------------------------------------------------
# q12 · choice · 2 points · Variant: which date governs
#
# A client signed a mining-machine hosting contract in March 2020; the host shut the
# machines down in October 2021; the case will be decided in 2022. The client's lawyer
# argues that the contract was made before the 2021 Notice and so stays valid. How
# should
# a court approach the dates?
#
#   A. The contract date governs, and since the contract predates the 2021 Notice it is
#   valid and must be performed in full.
#   B. The loss date governs, because compensation follows the loss, so the 2021 Notice
#   decides the whole dispute here.
#   C. The judgment date governs, because the 2021 Notice reaches back to every contract
#   made since the 2013 notice took effect.
#   D. Validity is judged at the contract date, against public order as earlier notices
#   shaped it; the date alone is no shield.
#
# Answer: one letter in quotes, e.g. q12 = "A"
q12 = 'D'


# --------------------------------------------------------------------------------------
# q13 · code · 3 points · Deciding variants of the wallet case
#
# Write a function that gives the outcome of the teaching model in Exhibit 5 of the
# Reading for one variant of the wallet case. The model serves class discussion; it does
# not state Chinese law.
#
# Inputs: `asset` is "vc" (a virtual currency such as USDT) or "fiat" (renminbi or
# another
# legal currency); `cause` is "trading", "custody" or "misappropriation", as Exhibit 5
# defines them; `dates` is a dict with the keys "contract", "loss" and "judgment", each
# an
# ISO date text such as "2021-06-30"; `governing` names the date the court takes
# ("contract", "loss" or "judgment").
#
# Return the model's outcome as one of the texts "ordinary", "open",
# "user:yinfa-2013-289" or "user:yinfa-2021-237".
#
# Answer: complete the function q13 below; it is called with the inputs listed
# Example calls: q13('vc', 'custody', {'contract': '2020-03-01', 'loss': '2021-06-30',
# 'judgment': '2021-09-20'}, 'judgment'); q13('vc', 'custody', {'contract':
# '2021-03-01', 'loss': '2021-10-05', 'judgment': '2022-05-10'}, 'contract'); q13('vc',
# 'custody', {'contract': '2021-03-01', 'loss': '2021-10-05', 'judgment': '2022-05-10'},
# 'loss')
def q13(asset, cause, dates, governing):
    if asset == "fiat":
        return "ordinary"
    if cause == "misappropriation":
        return "open"
    # ISO dates compare correctly as text: "2021-09-23" < "2021-09-24"
    if dates[governing] < "2021-09-24":
        return "user:yinfa-2013-289"
    return "user:yinfa-2021-237"


# --------------------------------------------------------------------------------------
# q14 · code · 3 points · What a void contract still returns
#
# A contract about virtual currency or mining machines has been held void. Write a
# function that applies the teaching model of the Civil Code's rule in Exhibit 4 of the
# Reading and returns the amount, in yuan, that the counterparty must pay the investor
# (0 when it owes nothing).
#
# Inputs: `paid`, the yuan the investor paid the counterparty; `kept`, the value in yuan
# of what the investor received under the contract and still has (coins, machines,
# output); `investor_fault`, the investor's share of the fault as the court found it,
# from
# 0 (none) to 1 (all). Answers within one yuan are accepted.
#
# Answer: complete the function q14 below; it is called with the inputs listed
# Example calls: q14(410000, 0, 0.5); q14(100000, 0, 0); q14(100000, 0, 1)
def q14(paid, kept, investor_fault):
    loss = paid - kept
    if loss <= 0:
        return 0
    return loss * (1 - investor_fault)


# --------------------------------------------------------------------------------------
# q15 · choice · 2 points · Advising after a void hosting contract
#
# A court has held a mining-machine hosting contract void. The client paid the host for
# machines and hosting; the host took the money knowing the business was being closed
# down, and the client ignored public warnings. The client asks what can still be
# recovered. What is the best advice?
#
#   A. Nothing, since once the contract is void the losses are the investor's own, so
#   the client has no claim against the host.
#   B. Each side gives back what it received, or its value, and the loss left over is
#   then split by the fault found on each side.
#   C. The client recovers what performance would have earned, since the host knew of
#   the closures and so must carry the whole loss.
#   D. A party with some fault of its own cannot recover, so the client's own fault
#   means the claim fails at the outset.
#
# Answer: one letter in quotes, e.g. q15 = "A"
q15 = 'B'
