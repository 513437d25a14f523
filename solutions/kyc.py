"""kyc: KYC and the market for verified accounts

Reference answers (instructor's copy). Replace each None with your answer, save, then run:

    caselab check kyc

Generated from tests/quizzes/kyc.yml by `caselab sheets`; edit only the answers.
"""


# --------------------------------------------------------------------------------------
# q1 · choice · 1 point · What customer due diligence requires
#
# The article glosses KYC (Know Your Customer, 了解你的客户) as real-name
# verification with proof of identity and of residential address (A8).
# FATF Recommendation 10 asks for more than that. Which description of
# customer due diligence (CDD, 客户尽职调查) under R.10 is complete?
#
#   A. Check a photo identity document and proof of address when the account is opened
#   and keep copies; after that, act on requests from the authorities.
#   B. Identify and verify customers for transactions above USD/EUR 15,000; below that,
#   accept the customer's own declaration and watch large transfers.
#   C. Verify the customer from reliable, independent sources; identify who ultimately
#   controls the customer; understand the purpose; monitor it.
#   D. Collect name, phone number and e-mail, confirm the phone with a one-time code,
#   and screen the name against sanctions lists before the first deposit.
#
# Answer: one letter in quotes, e.g. q1 = "A"
q1 = 'C'


# --------------------------------------------------------------------------------------
# q2 · text · 1 point · Who controls a bought account
#
# A verified exchange account is sold to a buyer who then logs in,
# deposits and trades with it, while the account stays in the name of
# the person whose documents passed verification. In the terms of
# FATF R.10, the buyer is the natural person who ultimately controls the
# account and on whose behalf its transactions are carried out. What is
# that person called? (Two words.)
#
# Answer: a short text in quotes, e.g. q2 = "..."; case and spacing do not matter
q2 = 'beneficial owner'


# --------------------------------------------------------------------------------------
# q3 · choice · 2 points · Why a genuine identity defeats the check
#
# The trader applied for 150 exchange accounts with overseas identities
# and 13 passed verification (A10). Assume each of those 13 identities
# belongs to a real person who agreed, for a fee, to lend it. Why does
# the exchange's KYC not stop the account from ending up in someone
# else's hands?
#
#   A. The documents were probably forged well enough to pass, and forged foreign
#   documents are hard for an exchange's reviewers to detect.
#   B. Exchanges may skip verification for customers who fund their accounts in USDT, so
#   accounts like these were checked lightly or not at all.
#   C. The Notice (银发〔2021〕237号) exempts accounts verified with overseas documents from
#   clear-outs, so exchanges had no cause to look.
#   D. The documents are genuine and match the applicant, so the check succeeds; the
#   hand-over shows only in who controls the account later.
#
# Answer: one letter in quotes, e.g. q3 = "A"
q3 = 'D'


# --------------------------------------------------------------------------------------
# q4 · numeric · 2 points · Success rate of the applications
#
# Using the trader's figures in Exhibit 1, what share of his account
# applications passed verification and were opened? Give a percentage
# to two decimals (write `8.5` for 8.5 %, not `0.085`).
#
# Answer: a number in %, e.g. q4 = 12.5, rounded to 2 decimal places (right within
# ±0.005 of the exact value; more decimals, or fewer, do not count)
q4 = 8.67


# --------------------------------------------------------------------------------------
# q5 · numeric · 1 point · Profit of the scheme
#
# Using the trader's figures in Exhibit 1, what was the scheme's
# profit, in USDT?
#
# Answer: a number in USDT, e.g. q5 = 125, rounded to a whole number (right within ±0.5
# of the exact value; more decimals, or fewer, do not count)
q5 = 40000


# --------------------------------------------------------------------------------------
# q6 · numeric · 2 points · Return on cost
#
# What return on cost did the scheme earn (profit as a percentage of
# the total cost, Exhibit 1)? Give a percentage to one decimal.
#
# Answer: a number in %, e.g. q6 = 12.5, rounded to 1 decimal place (right within ±0.05
# of the exact value; more decimals, or fewer, do not count)
q6 = 44.4


# --------------------------------------------------------------------------------------
# q7 · numeric · 2 points · Break-even success rate
#
# Take the cost per application and the asking price per account in
# Exhibit 1, and the cost structure the reading describes. At what
# success rate (opened ÷ applied) does the scheme exactly break even?
# Give a percentage to one decimal.
#
# Answer: a number in %, e.g. q7 = 12.5, rounded to 1 decimal place (right within ±0.05
# of the exact value; more decimals, or fewer, do not count)
q7 = 6


# --------------------------------------------------------------------------------------
# q8 · numeric · 1 point · Exchange rate implied by the cost figures
#
# Exhibit 1 gives the cost of one account both in USDT and in RMB.
# What USDT/CNY rate (yuan per USDT) do the two figures imply? Give
# three decimals.
#
# Answer: a number in CNY per USDT, e.g. q8 = 12.5, rounded to 3 decimal places (right
# within ±0.0005 of the exact value; more decimals, or fewer, do not count)
q8 = 6.397


# --------------------------------------------------------------------------------------
# q9 · choice · 2 points · What the implied rates tell you
#
# Compare the USDT/CNY rates implied by the trader's two pairs of
# figures (Exhibit 1) with the dollar rates in Exhibit 2. Which
# conclusion is supported?
#
#   A. The RMB figures are conversions at about October 2021's dollar rate, taking one
#   USDT as one US dollar; the trader dealt in USDT.
#   B. USDT traded at a large premium to the dollar in China after the Notice, because
#   mainland buyers were desperate to acquire it.
#   C. The trader was paid in RMB; the USDT amounts are the reporter's own conversions
#   of those payments at the dollar rate of that day.
#   D. The gap between the two implied rates shows that the trader's figures are
#   unreliable and should carry little weight in the analysis.
#
# Answer: one letter in quotes, e.g. q9 = "A"
q9 = 'A'


# --------------------------------------------------------------------------------------
# q10 · choice · 2 points · When CDD cannot be completed
#
# The trader says accounts that failed KYC could still be kept and used
# ("raised", 养号) unless the platform's risk controls caught them
# (A11). What does FATF R.10 require of an institution that cannot
# complete CDD on an applicant?
#
#   A. Let the account run with lower limits for as long as needed, since R.10 lets
#   verification be completed after the relationship has begun.
#   B. Not open the account or carry out the transaction, or end the relationship if it
#   exists, and consider a suspicious transaction report.
#   C. Freeze the applicant's funds, hand them over to the police, and warn the other
#   exchanges on the market about the applicant and the documents.
#   D. Treat the failed check as a commercial matter between the exchange and the user,
#   settled under the exchange's own terms of service.
#
# Answer: one letter in quotes, e.g. q10 = "A"
q10 = 'B'


# --------------------------------------------------------------------------------------
# q11 · multi · 2 points · Red flags of traded accounts
#
# You review an exchange's accounts for signs that verified accounts
# are being sold or lent, as in A9–A11. Which of the following are red
# flags worth an alert? Choose all that apply.
#
#   A. Dozens of accounts verified with documents from one foreign country were applied
#   for from a handful of devices.
#   B. Soon after approval, an account's device, IP location and language all change to
#   a jurisdiction the exchange does not serve.
#   C. Deposits arrive from bank cards or e-wallets held in names other than that of the
#   verified account holder.
#   D. The customer turns on two-factor authentication and whitelists a withdrawal
#   address held in her own name.
#   E. An account that failed verification keeps logging in and keeps trying to deposit
#   funds and to trade.
#   F. A verified customer trades small amounts, in line with the occupation and income
#   declared at onboarding.
#
# Answer: a list of every letter that applies, e.g. q11 = ["A", "C"]
q11 = ['A', 'B', 'C', 'E']


# --------------------------------------------------------------------------------------
# q12 · ordering · 1 point · The CDD measures in R.10's order
#
# Put the four CDD measures in the order in which FATF R.10 sets them
# out — which is also the order in which an onboarding file is built
# and then kept up.
#
#   A. Ongoing due diligence on the relationship and scrutiny of its transactions
#   B. Identify the customer and verify the identity
#   C. Understand the purpose and intended nature of the business relationship
#   D. Identify whoever ultimately owns or controls the customer, and take reasonable
#   measures to verify that person
#
# Answer: every letter once, in order, e.g. q12 = ["C", "A", "B"]
q12 = ['B', 'D', 'C', 'A']


# --------------------------------------------------------------------------------------
# q13 · matching · 2 points · Which rule does what
#
# Match each obligation or rule to the instrument it comes from. An
# instrument may be used more than once, and one is not used.
#
#   1. Verify a new customer's identity from reliable, independent sources and monitor
#   the relationship afterwards
#   2. Require virtual-asset service providers to be licensed or registered and
#   supervised for AML/CFT
#   3. Obtain, hold and pass on originator and beneficiary information with a virtual-
#   asset transfer to another provider
#   4. Apply CDD to occasional virtual-asset transactions from USD/EUR 1,000
#   5. Forbid offshore exchanges to serve mainland residents over the internet, with
#   liability for their domestic staff
#   A. FATF Recommendation 10
#   B. FATF Recommendation 15 and its Interpretive Note (INR.15)
#   C. FATF Recommendation 16 (wire transfers), as applied to virtual assets by INR.15
#   D. 《关于进一步防范和处置虚拟货币交易炒作风险的通知》(银发〔2021〕237号)
#   E. 《关于防范比特币风险的通知》(银发〔2013〕289号)
#
# Answer: a dictionary pairing each number with a letter, e.g. q13 = {1: "B", 2: "A"}
q13 = {'1': 'A', '2': 'B', '3': 'C', '4': 'B', '5': 'D'}


# --------------------------------------------------------------------------------------
# q14 · code · 3 points · Economics of an account-opening scheme
#
# Write `q14(applied, opened, cost_per_account, sale_price)` that sizes
# up a scheme run like the trader's, with the cost structure the
# reading describes: `applied` applications at `cost_per_account` each,
# of which `opened` succeeded, and accounts that sell at `sale_price`.
# Return a dict with exactly these keys:
#
# - `"success_rate_pct"`: the percentage of applications that were opened, `round(…,
# 2)`;
# - `"profit"`: the scheme's profit, not rounded;
# - `"return_on_cost_pct"`: the profit as a percentage of what the scheme spent,
# `round(…, 1)`;
# - `"breakeven_rate_pct"`: the success rate, in per cent, at which the scheme would
# neither gain nor lose, `round(…, 1)`.
#
# Where a figure cannot be worked out (nothing applied for, nothing
# spent, accounts that sell for nothing), give `None` for that figure.
# The test cases use made-up schemes, not the article's figures.
#
# Answer: complete the function q14 below; it is called with the inputs listed
# Example calls: q14(200, 20, 500, 9000); q14(120, 4, 700, 10000); q14(50, 0, 300, 4000)
def q14(applied, opened, cost_per_account, sale_price):
    total_cost = applied * cost_per_account
    profit = opened * sale_price - total_cost
    rate = round(100 * opened / applied, 2) if applied else None
    roc = round(100 * profit / total_cost, 1) if total_cost else None
    breakeven = round(100 * cost_per_account / sale_price, 1) if sale_price else None
    return {"success_rate_pct": rate, "profit": profit, "return_on_cost_pct": roc, "breakeven_rate_pct": breakeven}


# --------------------------------------------------------------------------------------
# q15 · memo · 3 points · Memo on a cluster of traded accounts
#
# You are the money-laundering reporting officer of a virtual-asset
# exchange licensed outside mainland China. In November 2021 your
# monitoring finds 13 accounts, verified over the past two months with
# identity documents from one overseas country, that were applied for
# from the same few devices; since approval they log in from mainland
# China and are funded by third parties. Write a memo to your head of
# compliance with the sections **Problem**, **Options** and
# **Recommendation** (each a line starting `## `), 150–450 words,
# citing at least two of: FATF R.10 (`fatf-r10`), R.15/R.16
# (`fatf-r15-r16`), the FATF 2021 guidance (`fatf-guidance-2021`), the
# Notice (`yinfa-2021-237`).
#
# Answer: a memo as text in triple quotes, with "## " section headings
q15 = """
## Problem

Thirteen accounts opened since September were verified with genuine
documents from one overseas country but were applied for from the same
few devices, now log in from mainland China and are funded by third
parties. The pattern matches the trade in verified accounts reported
in the Chinese press (A9–A11): identities are lent or sold, the
accounts pass KYC and are sold on. The verified customers are
probably not the people operating the accounts, so our CDD under FATF
R.10 (fatf-r10) has failed on the beneficial owner and on ongoing due
diligence, although identity verification itself worked. The accounts
also put us in breach of our own decision to stop serving mainland
residents, and the Notice (yinfa-2021-237) treats our service to them
as illegal financial activity.

## Options

1. Close the 13 accounts at once and return the balances. Simple, but
   it loses the chance to find related accounts and may return funds
   to the wrong person.
2. Restrict the accounts to withdrawals to verified addresses, demand
   fresh verification with a live check and proof of address, and
   exit those that cannot pass, as R.10 requires when CDD cannot be
   completed.
3. Option 2 plus a look-back: link analysis on the devices, IPs and
   funding sources to find other accounts in the cluster, suspicious
   transaction reports to our financial intelligence unit, and a fix
   to onboarding (device checks, limits until first behavioural
   review).

## Recommendation

Option 3. Restrict now, re-verify within a short deadline, and end
relationships that fail; file reports on the cluster; and add device
and funding-source checks to onboarding. Under INR.15 (fatf-r15-r16)
we are supervised as a VASP and apply the same preventive measures as
a bank; the FATF's updated guidance (fatf-guidance-2021) expects
exactly this risk-based monitoring. Any withdrawals to other VASPs
must carry travel-rule information.
"""


# --------------------------------------------------------------------------------------
# q16 · choice · 2 points · Suing over a bought account
#
# In November 2021 a buyer in Shanghai paid a seller 10,000 USDT for an
# exchange account verified with an overseas identity. A week later the
# exchange closed the account for a mismatch between its user and its
# verified holder. The buyer sues the seller in a mainland court to get
# the price back. Using what the reading says about the Notice's
# civil-validity clause and the Civil Code, which assessment is best
# supported?
#
#   A. The buyer can likely recover the full price, since selling an account is an
#   ordinary sale and the seller failed to deliver one that works.
#   B. The court must dismiss the claim outright, since the Notice is a statute that
#   voids every contract touching virtual currency and bars recovery.
#   C. The court is likely to find the sale void as against public order and good
#   morals, yet may still order a return of the price split by fault.
#   D. The court would probably decline the case, since the account sits on an offshore
#   exchange whose own terms govern any sale of an account.
#
# Answer: one letter in quotes, e.g. q16 = "A"
q16 = 'C'


# --------------------------------------------------------------------------------------
# q17 · choice · 2 points · Would tighter onboarding stop the trade?
#
# After the clear-out, an exchange's new onboarding check lets through
# only one application in twenty that uses a bought or borrowed
# identity. Suppose the trader's cost per application and asking price
# stay as in Exhibit 1. What follows for his trade, and why?
#
#   A. Nothing changes, since the break-even point depends only on the ratio of cost to
#   price, and that ratio is exactly what it was before the change.
#   B. The trade now loses money on average, unless scarcer accounts fetch a higher
#   price or failed ones can be "raised" and sold after all.
#   C. The trade still pays, since each opened account sells for many times what one
#   application costs, so just a handful of successes covers it.
#   D. The trade keeps paying as long as some applications succeed, since each opened
#   account brings in more than one application costs.
#
# Answer: one letter in quotes, e.g. q17 = "A"
q17 = 'B'
