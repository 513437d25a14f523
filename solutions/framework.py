"""framework: The legal framework of the crackdown

Reference answers (instructor's copy). Replace each None with your answer, save, then run:

    caselab check framework

Generated from tests/quizzes/framework.yml by `caselab sheets`; edit only the answers.
"""


# --------------------------------------------------------------------------------------
# q1 · choice · 1 point · What the 2013 notice did
#
# In December 2013 five regulators issued 《关于防范比特币风险的通知》 (银发〔2013〕289号). Which statement
# best describes its effect?
#
#   A. It made it unlawful for individuals to buy, hold or sell bitcoin.
#   B. It classed bitcoin as a specific virtual commodity without the legal status of
#   money, and barred financial and payment institutions from bitcoin business, while
#   members of the public could still trade it at their own risk.
#   C. It recognised bitcoin as a foreign currency and placed dealings in it under the
#   exchange-control rules of the State Administration of Foreign Exchange.
#   D. It banned bitcoin mining and ordered existing mines to close.
#
# Answer: one letter in quotes, e.g. q1 = "A"
q1 = 'B'


# --------------------------------------------------------------------------------------
# q2 · choice · 1 point · An issuer of 237 but not of 1283
#
# Both September 2021 notices were issued jointly by many bodies. Which of these bodies
# co-issued the Notice 银发〔2021〕237号 but **not** the mining notice 发改运行〔2021〕1283号?
#
#   A. National Development and Reform Commission (国家发展改革委)
#   B. People's Bank of China (中国人民银行)
#   C. Supreme People's Court (最高人民法院)
#   D. National Energy Administration (国家能源局)
#
# Answer: one letter in quotes, e.g. q2 = "A"
q2 = 'C'


# --------------------------------------------------------------------------------------
# q3 · multi · 2 points · What the Notice lists as illegal financial activity
#
# Which of the following fall within the Notice's (银发〔2021〕237号) list of illegal
# financial activities (非法金融活动)? Choose every one that does.
#
#   A. An exchange registered abroad that serves mainland residents over the internet.
#   B. A platform that matches buyers and sellers of bitcoin for a fee.
#   C. A mainland resident keeping bitcoin bought in 2020 in a personal wallet.
#   D. Offering contracts whose payoff tracks the price of bitcoin.
#   E. Running mining machines in a hydro-powered mine in Sichuan.
#   F. Swapping ether for USDT on a trading platform.
#
# Answer: a list of every letter that applies, e.g. q3 = ["A", "C"]
q3 = ['A', 'B', 'D', 'F']


# --------------------------------------------------------------------------------------
# q4 · choice · 1 point · Offshore exchanges
#
# An exchange incorporated outside mainland China runs a Chinese-language website and
# app and accepts mainland residents as customers. How does the Notice (银发〔2021〕237号)
# treat it?
#
#   A. It falls outside the Notice, because Chinese rules reach only firms registered on
#   the mainland.
#   B. It is lawful so long as it refuses RMB deposits and deals only in stablecoins.
#   C. Its service to mainland residents is illegal financial activity; its staff inside
#   China, and anyone who knowingly provides it with marketing, payment settlement or
#   technical support, can be held liable.
#   D. It may keep serving mainland residents until 31 December 2021, the grace period
#   the Notice gives offshore platforms.
#
# Answer: one letter in quotes, e.g. q4 = "A"
q4 = 'C'


# --------------------------------------------------------------------------------------
# q5 · choice · 1 point · Civil validity of virtual-currency contracts
#
# After September 2021 a mainland investor pays a private seller for USDT, the seller
# never delivers, and the investor sues in a mainland court to enforce the contract.
# What is the civil rule that, as reported, the Notice (银发〔2021〕237号) lays down for such
# cases?
#
#   A. The contract is enforced like any sale of goods, because virtual currency is a
#   commodity.
#   B. Investing in virtual currency offends public order and good morals (公序良俗), so the
#   related civil acts are void and the investor bears the losses.
#   C. The contract is enforced only if the price was paid through a licensed bank.
#   D. Only contracts with offshore exchanges are void; contracts between two
#   individuals stay valid.
#
# Answer: one letter in quotes, e.g. q5 = "A"
q5 = 'B'


# --------------------------------------------------------------------------------------
# q6 · choice · 1 point · The document the wallet court relied on
#
# In the judgment published at the end of September 2021, a user (pseudonym Zheng) sued
# a wallet company over lost USDT. Which document did the court rely on to reject the
# claim?
#
#   A. 银发〔2021〕237号, the Notice issued that month
#   B. 银发〔2013〕289号, the 2013 bitcoin notice
#   C. 发改运行〔2021〕1283号, the mining notice
#   D. The 2017 announcement on token-issuance financing
#
# Answer: one letter in quotes, e.g. q6 = "A"
q6 = 'B'


# --------------------------------------------------------------------------------------
# q7 · ordering · 2 points · Timeline of the framework
#
# Put these events in chronological order, earliest first.
#
#   A. Seven bodies order all initial coin offerings to stop.
#   B. The State Council Financial Stability and Development Committee, at its 51st
#   meeting, calls for a crackdown on bitcoin mining and trading.
#   C. Three industry associations warn their members against virtual-currency business.
#   D. The NDRC and other bodies date the mining notice 发改运行〔2021〕1283号.
#   E. The PBoC and other bodies issue the Notice 银发〔2021〕237号.
#   F. Five regulators issue the bitcoin notice 银发〔2013〕289号.
#
# Answer: every letter once, in order, e.g. q7 = ["C", "A", "B"]
q7 = ['F', 'A', 'C', 'B', 'D', 'E']


# --------------------------------------------------------------------------------------
# q8 · matching · 2 points · Document numbers and titles
#
# Match each document number to the document's title. One title is left over.
#
#   1. 银发〔2013〕289号
#   2. 银发〔2021〕237号
#   3. 发改运行〔2021〕1283号
#   4. 银发〔2026〕42号
#   A. 《关于整治虚拟货币"挖矿"活动的通知》
#   B. 《关于防范比特币风险的通知》
#   C. 《关于进一步防范和处置虚拟货币等相关风险的通知》
#   D. 《关于进一步防范和处置虚拟货币交易炒作风险的通知》
#   E. 《关于防范代币发行融资风险的公告》
#
# Answer: a dictionary pairing each number with a letter, e.g. q8 = {1: "B", 2: "A"}
q8 = {'1': 'B', '2': 'D', '3': 'A', '4': 'C'}


# --------------------------------------------------------------------------------------
# q9 · matching · 2 points · Issuers and documents
#
# Match each group of issuers to what it issued. One document is left over.
#
#   1. 中国互联网金融协会, 中国银行业协会 and 中国支付清算协会
#   2. 国务院金融稳定发展委员会
#   3. The NDRC with the Publicity Department, the Ministry of Finance, the State
#   Taxation Administration, the National Energy Administration and others
#   4. The PBoC with the Supreme People's Court, the Supreme People's Procuratorate,
#   SAFE and others
#   5. The PBoC, CAC, MIIT, SAIC, CBRC, CSRC and CIRC
#   A. The announcement on preventing the risks of token-issuance financing (September
#   2017)
#   B. 《关于防范虚拟货币交易炒作风险的公告》 (18 May 2021)
#   C. The readout of its 51st meeting (21 May 2021)
#   D. 发改运行〔2021〕1283号
#   E. 银发〔2021〕237号
#   F. 银发〔2013〕289号
#
# Answer: a dictionary pairing each number with a letter, e.g. q9 = {1: "B", 2: "A"}
q9 = {'1': 'B', '2': 'C', '3': 'D', '4': 'E', '5': 'A'}


# --------------------------------------------------------------------------------------
# q10 · numeric · 1 point · Days from issue to publication
#
# The Notice 银发〔2021〕237号 was reportedly issued on 15 September 2021 and made public on
# 24 September 2021. How many days passed between the two dates?
#
# Answer: a number in days, e.g. q10 = 125, rounded to a whole number (right within ±0.5
# of the exact value; more decimals, or fewer, do not count)
q10 = 9


# --------------------------------------------------------------------------------------
# q11 · numeric · 2 points · Bodies that signed both notices
#
# Using the issuer lists of the Notice (银发〔2021〕237号) and the mining notice
# (发改运行〔2021〕1283号) in Exhibit 1, how many bodies signed **both**? Count a body once
# even if its name is shortened differently in the two lists (for example 中国人民银行 and
# 人民银行).
#
# Answer: a number in bodies, e.g. q11 = 125, rounded to a whole number (right within
# ±0.5 of the exact value; more decimals, or fewer, do not count)
q11 = 6


# --------------------------------------------------------------------------------------
# q12 · text · 1 point · Bitcoin's legal character in 2013
#
# The 2013 notice (银发〔2013〕289号) denied bitcoin the legal status of money and described
# it instead as a "specific virtual ______". Give the missing English word.
#
# Answer: a short text in quotes, e.g. q12 = "..."; case and spacing do not matter
q12 = 'commodity'


# --------------------------------------------------------------------------------------
# q13 · text · 1 point · The lead body behind 银发
#
# Chinese document numbers begin with a prefix that identifies the body which drafted
# and led the document. Which body does the prefix 银发 in 银发〔2021〕237号 and 银发〔2013〕289号
# stand for? Give its English name or abbreviation, or its Chinese name.
#
# Answer: a short text in quotes, e.g. q13 = "..."; case and spacing do not matter
q13 = 'PBoC'


# --------------------------------------------------------------------------------------
# q14 · code · 3 points · Classify an activity under the Notice
#
# Write `q14(service, assets, offshore, serves_mainland)` that classifies a described
# business under the Notice's (银发〔2021〕237号) list of illegal financial activities.
#
# - `service` (str) is one of `"exchange"` (swapping one asset for another for
# customers), `"dealer"` (buying from and selling to customers on its own account),
# `"matchmaking"` (bringing buyers and sellers together), `"pricing"` (publishing quotes
# or prices for trades), `"token_sale"` (raising money by issuing tokens),
# `"derivatives"` (contracts on virtual-currency prices), `"mining"`, `"custody"` or
# `"holding"`.
# - `assets` (list of str) holds the two currency codes of an exchange, e.g. `["CNY",
# "BTC"]`; it may be empty for other services. The Notice names Bitcoin, Ether and
# Tether as virtual currencies: treat `"BTC"`, `"ETH"` and `"USDT"` as virtual currency
# and every other code as fiat money.
# - `offshore` (bool): the business is run from outside mainland China.
# - `serves_mainland` (bool): it provides services to mainland residents.
#
# Return one of these strings: `"fiat_vc_exchange"`, `"vc_vc_exchange"`,
# `"central_counterparty"`, `"intermediary_pricing"`, `"token_financing"`,
# `"derivatives"`, or `"not_listed"` (not an activity on the Notice's list, or outside
# its reach).
#
# The rules: an offshore business that does not serve mainland residents is
# `"not_listed"`. An offshore business that does serve them is classified like a
# domestic one. An exchange is classified by its two assets: fiat for virtual, virtual
# for virtual, or fiat for fiat (ordinary foreign exchange, not on the list). Services
# not on the list are `"not_listed"`.
#
# Answer: complete the function q14 below; it is called with the inputs listed
# Example calls: q14('exchange', ['CNY', 'BTC'], False, True); q14('exchange', ['ETH',
# 'USDT'], False, True); q14('exchange', ['USDT', 'USD'], True, True)
def q14(service, assets, offshore, serves_mainland):
    if offshore and not serves_mainland:
        return "not_listed"
    virtual = {"BTC", "ETH", "USDT"}
    if service == "exchange":
        kinds = {"vc" if a in virtual else "fiat" for a in assets}
        if kinds == {"vc"}:
            return "vc_vc_exchange"
        if kinds == {"vc", "fiat"}:
            return "fiat_vc_exchange"
        return "not_listed"
    listed = {
        "dealer": "central_counterparty",
        "matchmaking": "intermediary_pricing",
        "pricing": "intermediary_pricing",
        "token_sale": "token_financing",
        "derivatives": "derivatives",
    }
    return listed.get(service, "not_listed")


# --------------------------------------------------------------------------------------
# q15 · multi · 2 points · Duties of banks, payment and internet firms
#
# Which of these duties does the Notice (银发〔2021〕237号), as reported, place on banks,
# payment institutions, internet companies or company registration? Choose every one
# that applies.
#
#   A. Banks and non-bank payment institutions may not open accounts, transfer funds or
#   clear and settle payments for virtual-currency business.
#   B. Internet platforms may not provide online premises, display, marketing or paid
#   traffic diversion for virtual-currency business.
#   C. A company's name or business scope may not contain terms such as 虚拟货币 or 加密资产.
#   D. Banks must close the account of every customer known to hold any virtual
#   currency.
#   E. Non-bank payment institutions such as Alipay fall outside these duties because
#   they are not banks.
#
# Answer: a list of every letter that applies, e.g. q15 = ["A", "C"]
q15 = ['A', 'B', 'C']


# --------------------------------------------------------------------------------------
# q16 · choice · 1 point · Existing mines under the mining notice
#
# What does the mining notice (发改运行〔2021〕1283号) require for mining projects that already
# exist?
#
#   A. They may continue indefinitely if they run on hydropower.
#   B. They may keep operating if they re-register as data centres.
#   C. An orderly exit, pressed by a differential electricity tariff at the rate for
#   "eliminated" industries, exclusion from the electricity market, and the end of
#   preferential policies and credit.
#   D. They must close within 24 hours or face criminal prosecution.
#
# Answer: one letter in quotes, e.g. q16 = "A"
q16 = 'C'


# --------------------------------------------------------------------------------------
# q17 · choice · 1 point · What the FSDC said in May 2021
#
# What did the State Council Financial Stability and Development Committee
# (国务院金融稳定发展委员会) do on 21 May 2021?
#
#   A. It issued a numbered normative document banning virtual-currency exchanges.
#   B. Its meeting readout called for cracking down on bitcoin mining and trading and
#   for keeping individual risks from spreading into society.
#   C. It published the three industry associations' announcement on virtual-currency
#   speculation.
#   D. It declared for the first time that bitcoin is not money.
#
# Answer: one letter in quotes, e.g. q17 = "A"
q17 = 'B'
