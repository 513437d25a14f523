"""framework: The legal framework of the crackdown

Answer sheet. Replace each None with your answer, save, then run:

    caselab check framework

Generated from tests/quizzes/framework.yml by `caselab sheets`; edit only the answers.
"""


# --------------------------------------------------------------------------------------
# q1 · choice · 1 point · What the 2013 notice did
#
# In December 2013 five regulators issued 《关于防范比特币风险的通知》 (银发〔2013〕289号). Which statement
# best describes its effect?
#
#   A. It forbade individuals to buy, hold or sell bitcoin and told holders to dispose
#   of their coins.
#   B. It accepted bitcoin as a means of private payment but barred banks from taking it
#   on deposit.
#   C. It kept financial and payment institutions out of bitcoin; the public could trade
#   at own risk.
#   D. It treated bitcoin as a foreign currency and put all dealings in it under SAFE's
#   controls.
#
# Answer: one letter in quotes, e.g. q1 = "A"
q1 = None


# --------------------------------------------------------------------------------------
# q2 · choice · 1 point · An issuer of 237 but not of 1283
#
# Both September 2021 notices were issued jointly by many bodies. Which of these bodies
# co-issued the Notice 银发〔2021〕237号 but **not** the mining notice 发改运行〔2021〕1283号?
#
#   A. Supreme People's Court (最高人民法院)
#   B. People's Bank of China (中国人民银行)
#   C. National Energy Administration (国家能源局)
#   D. Cyberspace Administration of China (中央网信办)
#
# Answer: one letter in quotes, e.g. q2 = "A"
q2 = None


# --------------------------------------------------------------------------------------
# q3 · multi · 2 points · What the Notice lists as illegal financial activity
#
# Which of these businesses fall within the Notice's (银发〔2021〕237号) list of illegal
# financial activities (非法金融活动)? Unless an option says otherwise, the business is run in
# mainland China. Choose every one that does.
#
#   A. A Singapore exchange that serves mainland residents through a Chinese-language
#   app.
#   B. A website that matches bitcoin buyers with sellers for a fee, never holding the
#   coins.
#   C. A mainland resident keeping bitcoin she bought in 2020 in a wallet on her own
#   phone.
#   D. A platform selling contracts whose payoff follows the price of ether, settled in
#   USDT.
#   E. A hydro-powered mine in Sichuan that sells the bitcoin it mines to a buyer
#   abroad.
#   F. A platform that swaps ether for a small coin that the Notice does not name by
#   name.
#
# Answer: a list of every letter that applies, e.g. q3 = ["A", "C"]
q3 = None


# --------------------------------------------------------------------------------------
# q4 · choice · 2 points · A supplier to an offshore exchange
#
# A Shenzhen software firm maintains the matching engine and the Chinese-language app of
# an exchange registered in Singapore. About a third of the exchange's users are
# mainland residents. In November 2021 the firm's manager tells you the firm is safe
# because it never handles customers' money. Using the Notice (银发〔2021〕237号) as
# reported, which analysis is best?
#
#   A. Safe, since the Notice reaches only those who give such a platform marketing or
#   payment settlement.
#   B. Safe for now, since the Notice lets offshore platforms and suppliers wind down
#   until 31 December 2021.
#   C. Safe, since a foreign-registered exchange is outside the Notice and so are those
#   who supply it.
#   D. Exposed, since the platform's mainland service is illegal and knowing technical
#   support is reached.
#
# Answer: one letter in quotes, e.g. q4 = "A"
q4 = None


# --------------------------------------------------------------------------------------
# q5 · choice · 2 points · A void sale and what can still be recovered
#
# In March 2022 Li pays RMB 50,000 to a private seller for USDT. The seller never
# delivers. Li sues in a mainland court, asking for the USDT or, failing that, for his
# money back. Using the Notice's civil-validity clause as worded and the Civil Code
# (民法典), which analysis is most defensible?
#
#   A. The sale is valid because the 2013 notice calls these tokens a commodity, so
#   delivery will be ordered.
#   B. The sale is likely void for offending public order, so no delivery; the price may
#   still be returned.
#   C. The sale is void and the Notice puts losses on investors, so Li can recover
#   nothing from the seller.
#   D. Only deals with offshore exchanges are void, so a sale between two mainland
#   people stays enforceable.
#
# Answer: one letter in quotes, e.g. q5 = "A"
q5 = None


# --------------------------------------------------------------------------------------
# q6 · choice · 2 points · Correcting a client note on 2017 and 2021
#
# A 2022 client note says: "Until September 2021 Chinese platforms could lawfully
# exchange RMB for bitcoin; the Notice of September 2021 was the first rule to stop
# them." What is the best correction?
#
#   A. 2017 had already barred platforms from fiat–token exchange and dealing; 2021
#   added the offshore rule.
#   B. 2013 had already barred every platform from RMB–bitcoin exchange, so 2021 added
#   nothing new for platforms.
#   C. The note is right: before September 2021 only token sales were barred, not
#   exchange services.
#   D. The note is right, except that the associations' May 2021 announcement stopped
#   the platforms first.
#
# Answer: one letter in quotes, e.g. q6 = "A"
q6 = None


# --------------------------------------------------------------------------------------
# q7 · ordering · 2 points · Timeline of the framework
#
# Put these events in chronological order, earliest first.
#
#   A. Seven bodies order all token sales to stop and completed ones to arrange refunds.
#   B. The State Council's financial stability committee holds its 51st meeting.
#   C. Three industry associations warn their members against virtual-currency business.
#   D. The NDRC and other bodies date the mining notice 发改运行〔2021〕1283号.
#   E. The PBoC and other bodies issue the Notice 银发〔2021〕237号.
#   F. Five regulators issue the bitcoin notice 银发〔2013〕289号.
#
# Answer: every letter once, in order, e.g. q7 = ["C", "A", "B"]
q7 = None


# --------------------------------------------------------------------------------------
# q8 · matching · 2 points · What kind of instrument each one is
#
# Match each instrument to the description of its legal form and force. One description
# is left over.
#
#   1. The three associations' announcement of 18 May 2021
#   2. The FSDC's 51st-meeting readout of 21 May 2021
#   3. 银发〔2021〕237号
#   4. Civil Code (民法典) art. 153
#   A. A statute passed by the national legislature, voiding acts against mandatory law
#   or public order.
#   B. A self-regulatory statement that binds only the member institutions of the bodies
#   issuing it.
#   C. A normative document of ministries and judicial organs, applied by courts through
#   a general clause.
#   D. A high-level policy signal, made public as a summary of a meeting rather than a
#   numbered text.
#   E. An administrative regulation of the State Council, applied by courts as a
#   mandatory provision.
#
# Answer: a dictionary pairing each number with a letter, e.g. q8 = {1: "B", 2: "A"}
q8 = None


# --------------------------------------------------------------------------------------
# q9 · matching · 2 points · Issuers and documents
#
# Match each group of issuers to what it issued. One item on the right is left over.
#
#   1. 中国互联网金融协会, 中国银行业协会 and 中国支付清算协会
#   2. 国务院金融稳定发展委员会
#   3. The NDRC with the Publicity Department, the Ministry of Finance, the State
#   Taxation Administration, the National Energy Administration and others
#   4. The PBoC with SAFE, the Ministry of Public Security and seven other bodies
#   5. The PBoC, CAC, MIIT, SAIC, CBRC, CSRC and CIRC
#   A. The announcement on preventing the risks of token-issuance financing (September
#   2017)
#   B. 《关于防范虚拟货币交易炒作风险的公告》 (18 May 2021)
#   C. A meeting readout published on gov.cn (21 May 2021)
#   D. 发改运行〔2021〕1283号
#   E. 银发〔2021〕237号
#   F. 银发〔2013〕289号
#
# Answer: a dictionary pairing each number with a letter, e.g. q9 = {1: "B", 2: "A"}
q9 = None


# --------------------------------------------------------------------------------------
# q10 · numeric · 1 point · The Notice's two dates
#
# The article dates the Notice 银发〔2021〕237号 only as "shortly before the National Day
# holiday" (A3). Exhibit 1 of the module gives two reported dates for it. How many days
# lie between them?
#
# Answer: a number in days, e.g. q10 = 125, rounded to a whole number (right within ±0.5
# of the exact value; more decimals, or fewer, do not count)
q10 = None


# --------------------------------------------------------------------------------------
# q11 · numeric · 2 points · Bodies that signed both notices
#
# Using the issuer lists of the Notice (银发〔2021〕237号) and the mining notice
# (发改运行〔2021〕1283号) in Exhibit 1, how many bodies signed **both**? Count a body once
# even if its name is shortened differently in the two lists.
#
# Answer: a number in bodies, e.g. q11 = 125, rounded to a whole number (right within
# ±0.5 of the exact value; more decimals, or fewer, do not count)
q11 = None


# --------------------------------------------------------------------------------------
# q12 · text · 1 point · After a contract is held void
#
# A court has held a mining-machine hosting contract void. Which article of the Civil
# Code (民法典) tells it what each party must give back and who bears the loss? Give the
# article number.
#
# Answer: a short text in quotes, e.g. q12 = "..."; case and spacing do not matter
q12 = None


# --------------------------------------------------------------------------------------
# q13 · text · 1 point · An open list of virtual currencies
#
# As reported, the Notice names Bitcoin, Ether and Tether as virtual currencies, and its
# list ends with one Chinese character that makes the list open rather than closed. Type
# that character.
#
# Answer: a short text in quotes, e.g. q13 = "..."; case and spacing do not matter
q13 = None


# --------------------------------------------------------------------------------------
# q14 · code · 3 points · Classify a business under the Notice
#
# Write `q14(service, assets, offshore, serves_mainland)` that returns the category of
# the Notice's (银发〔2021〕237号) list of illegal financial activities into which a
# described business falls, using Exhibit 2 and the section on offshore reach of the
# module page.
#
# - `service` (str): `"exchange"` (swapping one asset for another for customers),
# `"dealer"` (buying from and selling to customers on its own account), `"matchmaking"`
# (bringing buyers and sellers together), `"pricing"` (publishing quotes for trades),
# `"token_sale"` (raising money by issuing tokens), `"derivatives"` (contracts on
# virtual-currency prices), `"mining"`, `"custody"` or `"holding"`.
# - `assets` (list of str): for an exchange, the two codes it swaps, e.g. `["CNY",
# "BTC"]`; otherwise it may be empty. The codes in `FIAT = ("CNY", "USD", "EUR", "HKD",
# "JPY", "SGD")` are fiat money; every other code names a token.
# - `offshore` (bool): the business is run from outside mainland China.
# - `serves_mainland` (bool): it provides services to mainland residents.
#
# Return one of `"fiat_vc_exchange"`, `"vc_vc_exchange"`, `"central_counterparty"`,
# `"intermediary_pricing"`, `"token_financing"`, `"derivatives"`, or `"not_listed"` (not
# on the Notice's list, or outside its reach).
#
# Answer: complete the function q14 below; it is called with the inputs listed
# Example calls: q14('exchange', ['CNY', 'BTC'], False, True); q14('exchange', ['ETH',
# 'USDT'], False, True); q14('exchange', ['USDT', 'USD'], True, True)
def q14(service, assets, offshore, serves_mainland):
    raise NotImplementedError


# --------------------------------------------------------------------------------------
# q15 · multi · 2 points · Cutting the channels
#
# Which of these measures does the Notice (银发〔2021〕237号), as reported, provide for?
# Choose every one that applies.
#
#   A. Banks and payment institutions may not open accounts, move funds or settle for
#   any such business.
#   B. Internet platforms may not give the business online premises, display, marketing
#   or paid traffic.
#   C. Cyberspace and telecom authorities close websites, apps and mini-programs running
#   the business.
#   D. Banks must freeze the accounts of customers who hold virtual currency bought
#   before the Notice.
#   E. Non-bank payment institutions such as Alipay stay outside these duties, as they
#   are not banks.
#   F. A company's registered name or business scope may not contain terms such as 虚拟货币
#   or 加密资产 at all.
#
# Answer: a list of every letter that applies, e.g. q15 = ["A", "C"]
q15 = None


# --------------------------------------------------------------------------------------
# q16 · choice · 1 point · Existing mines under the mining notice
#
# What does the mining notice (发改运行〔2021〕1283号) require for mining projects that already
# exist?
#
#   A. They may keep running if they move onto hydropower and register with the grid as
#   data centres.
#   B. They exit in order, pressed by a surcharged power tariff, exclusion from the
#   power market and lost credit.
#   C. They may keep running if they report their hash rate to the locality every week
#   and pay the higher tariff too.
#   D. They must close within days, and whoever runs them faces prosecution for the
#   crime of mining.
#
# Answer: one letter in quotes, e.g. q16 = "A"
q16 = None


# --------------------------------------------------------------------------------------
# q17 · choice · 2 points · A province's basis in June 2021
#
# It is June 2021. A provincial energy bureau wants to order hosting sites for mining
# machines to disconnect and asks you which central text it can point to. What is the
# best advice?
#
#   A. None yet, as mining was first named centrally by the NDRC notice, so an order now
#   lacks any basis.
#   B. The 2017 announcement, which banned mining together with token sales and so
#   covers hosting sites.
#   C. The FSDC readout of 21 May, which named bitcoin mining: a signal to act on under
#   the bureau's own powers.
#   D. The associations' announcement of 18 May, which binds every power supplier and
#   every hosting site in China.
#
# Answer: one letter in quotes, e.g. q17 = "A"
q17 = None
