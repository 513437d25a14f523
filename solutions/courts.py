"""courts: Virtual currency in the courts

Reference answers (instructor's copy). Replace each None with your answer, save, then run:

    caselab check courts

Generated from tests/quizzes/courts.yml by `caselab sheets`; edit only the answers.
"""


# --------------------------------------------------------------------------------------
# q1 · choice · 1 point · The document the court relied on
#
# In the wallet case reported in the article (a judgment published at the end of
# September 2021), the court explained its rejection of the claim by citing one
# regulatory document. Which one?
#
#   A. 《关于进一步防范和处置虚拟货币交易炒作风险的通知》 (银发〔2021〕237号), the Notice of September 2021
#   B. 《关于防范比特币风险的通知》 (银发〔2013〕289号), the 2013 notice of five bodies on bitcoin risks
#   C. The 2017 announcement on the risks of token-issuance financing (the "94
#   announcement")
#   D. The NDRC notice on rectifying virtual-currency mining (发改运行〔2021〕1283号)
#
# Answer: one letter in quotes, e.g. q1 = "A"
q1 = 'B'


# --------------------------------------------------------------------------------------
# q2 · multi · 2 points · What the defence argued and what the court found
#
# According to the article, which of these were arguments of the wallet company or
# findings of the court in the wallet case? Pick every one that was.
#
#   A. The wallet company argued that Zheng's investment in USDT fell outside the
#   protection of the law.
#   B. The wallet company argued that upholding the claim would run against national
#   policy on virtual currency and encourage people to think courts will back such
#   investments.
#   C. The court found that USDT, like bitcoin, lacks a legal status equal to money and
#   may not circulate as money.
#   D. The court found the wallet company negligent but cut the damages because USDT is
#   not money.
#   E. The court held the wallet contract void because investing in virtual currency
#   violates public order and good morals.
#
# Answer: a list of every letter that applies, e.g. q2 = ["A", "C"]
q2 = ['A', 'B', 'C']


# --------------------------------------------------------------------------------------
# q3 · multi · 2 points · What the 2013 notice said
#
# Which propositions come from the 2013 notice 《关于防范比特币风险的通知》
# (银发〔2013〕289号)? Pick every one that does.
#
#   A. Bitcoin is not issued by a monetary authority and has neither legal-tender status
#   nor compulsory acceptance.
#   B. Financial and payment institutions may not price products in bitcoin, buy or sell
#   it, or provide bitcoin services.
#   C. Members of the public may trade bitcoin, at their own risk.
#   D. Investing in virtual currency violates public order and good morals, and related
#   civil acts are void.
#   E. Offshore exchanges that serve mainland residents over the internet carry on
#   illegal financial activity.
#
# Answer: a list of every letter that applies, e.g. q3 = ["A", "C"]
q3 = ['A', 'B', 'C']


# --------------------------------------------------------------------------------------
# q4 · text · 1 point · The 2013 notice's label for bitcoin
#
# The 2013 notice puts bitcoin in a legal category other than money. Name that
# category, in English as this module translates it (three words) or in Chinese.
#
# Answer: a short text in quotes, e.g. q4 = "..."; case and spacing do not matter
q4 = 'specific virtual commodity'


# --------------------------------------------------------------------------------------
# q5 · numeric · 2 points · The exchange rate implied by the claim
#
# Zheng claimed 35,000 USDT or, in the alternative, RMB 226,000 (A14). What rate, in
# renminbi per USDT, does the alternative imply? Round to 3 decimal places.
#
# Answer: a number in CNY per USDT, e.g. q5 = 12.5, rounded to 3 decimal places (right
# within ±0.0005 of the exact value; more decimals, or fewer, do not count)
q5 = 6.457


# --------------------------------------------------------------------------------------
# q6 · numeric · 2 points · The article's own conversion rate
#
# Elsewhere the same article converts a cost of 600 USDT into RMB 3,838 (A10). What
# rate, in renminbi per USDT, does that conversion imply? Round to 3 decimal places.
# Then compare it with the rate implied by the wallet claim (question q5).
#
# Answer: a number in CNY per USDT, e.g. q6 = 12.5, rounded to 3 decimal places (right
# within ±0.0005 of the exact value; more decimals, or fewer, do not count)
q6 = 6.397


# --------------------------------------------------------------------------------------
# q7 · choice · 2 points · Reading the implied rate against market rates
#
# The FRED series DEXCHUS (US dollars to Chinese yuan, New York noon buying rates)
# averaged 6.456 CNY per USD in September 2021 and 6.417 in October 2021. Set these
# beside the rate implied by the wallet claim (q5). Which inference is sound?
#
#   A. The claim's renminbi figure is close to 35,000 USDT converted at about the
#   September 2021 average dollar rate, which fits valuing USDT at roughly one US
#   dollar; the article does not say on what date the claim was valued.
#   B. The claim overstated the loss, because the correct rate is the October 2021
#   average, the month after the judgment was published.
#   C. The closeness of the rates proves that the coins were lost in September 2021.
#   D. DEXCHUS is the PBoC's central parity rate, so the claimant used the official
#   rate.
#
# Answer: one letter in quotes, e.g. q7 = "A"
q7 = 'A'


# --------------------------------------------------------------------------------------
# q8 · ordering · 2 points · From the 2013 notice to the judgment
#
# Put these events in chronological order, earliest first.
#
#   A. The wallet-case judgment is published.
#   B. Five bodies led by the PBoC issue the notice on preventing bitcoin risks
#   (银发〔2013〕289号).
#   C. Ten bodies, including the Supreme People's Court, issue the Notice on virtual-
#   currency trading speculation (银发〔2021〕237号).
#   D. Seven bodies announce that all token-issuance financing (ICOs) must stop.
#   E. The State Council's Financial Stability and Development Committee calls for a
#   crackdown on bitcoin mining and trading.
#
# Answer: every letter once, in order, e.g. q8 = ["C", "A", "B"]
q8 = ['B', 'D', 'E', 'C', 'A']


# --------------------------------------------------------------------------------------
# q9 · matching · 2 points · Which document says what
#
# Match each document with the proposition it contains. One proposition on the right
# belongs to none of them.
#
#   1. 银发〔2013〕289号 (the 2013 bitcoin notice)
#   2. The 2017 announcement on token-issuance financing
#   3. 银发〔2021〕237号 (the 2021 Notice)
#   4. 发改运行〔2021〕1283号 (the 2021 mining notice)
#   A. Token sales that raise bitcoin or ether are in substance unapproved, illegal
#   public fundraising; completed sales must arrange refunds.
#   B. Bitcoin is a specific virtual commodity that may not circulate as money; the
#   public may trade it at its own risk.
#   C. Investing in virtual currency violates public order and good morals; related
#   civil acts are void and investors bear their own losses (reported).
#   D. Existing mining projects pay the electricity price of "eliminated" industries,
#   with a surcharge.
#   E. Virtual-asset service providers must be licensed or registered and must apply the
#   travel rule.
#
# Answer: a dictionary pairing each number with a letter, e.g. q9 = {1: "B", 2: "A"}
q9 = {'1': 'B', '2': 'A', '3': 'C', '4': 'D'}


# --------------------------------------------------------------------------------------
# q10 · choice · 2 points · The 2021 rule on civil validity
#
# Which statement matches the rule on civil validity reported for the 2021 Notice
# (银发〔2021〕237号)?
#
#   A. Investing in virtual currency and its derivatives violates public order and good
#   morals; the related civil juristic acts are void, and the investor bears the
#   resulting losses.
#   B. The ban targets businesses only; an individual's contracts to buy and hold
#   virtual currency remain valid, even though the platforms commit illegal financial
#   activity.
#   C. Investors may recover their losses from a platform in proportion to the
#   platform's fault.
#   D. Stablecoins tied to the US dollar, such as USDT, are outside the Notice because
#   they are backed one to one by reserves.
#
# Answer: one letter in quotes, e.g. q10 = "A"
q10 = 'A'


# --------------------------------------------------------------------------------------
# q11 · choice · 1 point · Variant: a renminbi deposit
#
# Change the facts: Zheng had deposited RMB 226,000 in a current account at a
# commercial bank, and the money vanished from the account. The article likens the
# wallet company to a bank (A14). Which analysis best fits the case's sources?
#
#   A. Same outcome; the 2013 notice's own-risk principle applies to any store of value
#   held for investment.
#   B. The virtual-currency documents would not bar the claim; they deny virtual
#   currency the status of money, while a renminbi deposit is money, so the claim would
#   be decided on the ordinary rules for deposits.
#   C. The claim fails because the 2021 Notice makes every deposit connected with
#   speculation void.
#   D. The article's bank analogy shows that the wallet company owed Zheng a bank's
#   duties, so the original claim should have succeeded too.
#
# Answer: one letter in quotes, e.g. q11 = "A"
q11 = 'B'


# --------------------------------------------------------------------------------------
# q12 · choice · 2 points · Variant: a loss before the 2021 Notice
#
# Change the facts: Zheng's USDT disappeared from the wallet in 2020, more than a year
# before the 2021 Notice, and the court decides in 2021. Which analysis fits the case
# best?
#
#   A. The date does not help Zheng: the court in the wallet case reached its result
#   from the 2013 notice, applied by analogy to USDT, without needing the 2021 Notice.
#   B. Before the 2021 Notice, custody contracts for virtual currency were enforceable
#   like bank deposits, so Zheng should win.
#   C. The 2021 Notice is reported to apply expressly to every contract made since 2013,
#   so its civil-validity rule governs.
#   D. Because the judgment in the article was published after the 2021 Notice, the
#   court must have applied the Notice, and cited the 2013 notice only as background.
#
# Answer: one letter in quotes, e.g. q12 = "A"
q12 = 'A'


# --------------------------------------------------------------------------------------
# q13 · code · 3 points · Deciding variants of the wallet case
#
# Write a function that applies this simplified teaching model of the case's
# reasoning. It is a model for class discussion, not a statement of Chinese law.
#
# Inputs: `asset` is "vc" (a virtual currency such as USDT) or "fiat" (renminbi or
# another legal currency); `cause` is "trading" (a loss from trading or price moves),
# "custody" (the coins were lost while held in the wallet, as in the case: lost keys,
# a hack, a malfunction) or "misappropriation" (the wallet company itself took the
# coins); `loss_date` is an ISO date text such as "2021-06-30", always after 2013.
#
# Return one text:
#
# - "ordinary" when the asset is fiat money: the virtual-currency documents do not
#   apply, and the ordinary rules decide;
# - "open" when a virtual currency was misappropriated by the company: the own-risk
#   reasoning covers the risks of holding and trading, and the case's sources do not
#   settle a custodian's deliberate taking;
# - otherwise the user bears the loss: return "user:yinfa-2013-289" when the loss
#   happened before 24 September 2021 (the reported publication date of the 2021
#   Notice), and "user:yinfa-2021-237" when it happened on or after that date.
#
# Answer: complete the function q13 below; it is called with the inputs listed
# Example calls: q13('vc', 'custody', '2021-06-30'); q13('vc', 'custody', '2021-10-05');
# q13('fiat', 'custody', '2021-11-01')
def q13(asset, cause, loss_date):
    if asset == "fiat":
        return "ordinary"
    if cause == "misappropriation":
        return "open"
    # ISO dates compare correctly as text: "2021-09-23" < "2021-09-24"
    if loss_date < "2021-09-24":
        return "user:yinfa-2013-289"
    return "user:yinfa-2021-237"
