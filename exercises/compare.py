"""compare: Ban or licence? China beside FATF, the EU and Hong Kong

Answer sheet. Replace each None with your answer, save, then run:

    caselab check compare

Generated from tests/quizzes/compare.yml by `caselab sheets`; edit only the answers.
"""


# --------------------------------------------------------------------------------------
# q1 · choice · 1 point · Prohibition under the FATF standard
#
# China's Notice (银发〔2021〕237号) came out about five weeks before the FATF's updated
# guidance on virtual assets. Which statement about prohibition under the FATF standard
# is right?
#
#   A. The standard requires member countries to ban trading, so the Notice carried out
#   a FATF duty.
#   B. The standard forbids a country to prohibit, so the Notice put China in breach of
#   FATF duties.
#   C. A country may prohibit, but must still assess the risks and act against providers
#   in breach.
#   D. A country that prohibits is outside R.15 altogether and owes no duties on virtual
#   assets.
#
# Answer: one letter in quotes, e.g. q1 = "A"
q1 = None


# --------------------------------------------------------------------------------------
# q2 · multi · 2 points · What MiCA does beyond anti-money laundering
#
# Which of these are part of the EU's MiCA regime, including its companion regulation on
# transfers of crypto-assets, as the module describes it? Pick every one that is.
#
#   A. A service provider authorised in one member state may serve clients across the
#   Union.
#   B. Use of a non-euro stablecoin as a means of exchange is capped above a daily
#   volume.
#   C. Travel-rule data go with every transfer between providers, whatever its amount.
#   D. Offering crypto-assets to retail investors is banned until national laws allow
#   it.
#   E. Contracts with providers that lack authorisation are void under a Union-wide
#   rule.
#
# Answer: a list of every letter that applies, e.g. q2 = ["A", "C"]
q2 = None


# --------------------------------------------------------------------------------------
# q3 · choice · 1 point · Does MiCA bind a Lisbon exchange yet?
#
# In March 2024 a crypto exchange registered under Portuguese national law asks whether
# MiCA's rules for crypto-asset service providers already bind it. Using the dates in
# Exhibit 2, what is the best answer?
#
#   A. Not yet: MiCA is in force, but its CASP rules apply later, and a national
#   transition may follow.
#   B. Yes: MiCA bound every provider from the day it was adopted by the EU legislators
#   in May 2023.
#   C. Yes: MiCA bound every provider from the day it was published in the Official
#   Journal in June 2023.
#   D. Not yet, but from June 2024, when the CASP rules apply together with the titles
#   on stablecoins.
#
# Answer: one letter in quotes, e.g. q3 = "A"
q3 = None


# --------------------------------------------------------------------------------------
# q4 · numeric · 2 points · Days from MiCA's publication to its application
#
# Using Exhibit 2, how many days passed between MiCA's publication in the Official
# Journal and the date from which its rules for crypto-asset service providers apply?
# Count the difference of the two calendar dates.
#
# Answer: a number in days, e.g. q4 = 125, rounded to a whole number (right within ±0.5
# of the exact value; more decimals, or fewer, do not count)
q4 = None


# --------------------------------------------------------------------------------------
# q5 · choice · 1 point · A Hong Kong platform in 2020
#
# In 2020 a Hong Kong platform that lets customers trade bitcoin and ether decides not
# to seek a licence from the Securities and Futures Commission (香港证监会). Using the
# module's account of Hong Kong, what follows?
#
#   A. It breaks the mainland Notice, which applies in Hong Kong as it does in the rest
#   of China.
#   B. It breaks the 2022 ordinance, which has required every platform to hold a licence
#   since 2019.
#   C. It is banned outright, since Hong Kong prohibits all virtual-asset trading by its
#   residents.
#   D. It may go on: the 2019 regime was opt-in, and a licence became compulsory only in
#   June 2023.
#
# Answer: one letter in quotes, e.g. q5 = "A"
q5 = None


# --------------------------------------------------------------------------------------
# q6 · matching · 2 points · Five instruments, five approaches
#
# Match each instrument to what it does. One description on the right fits none of them.
#
#   1. 银发〔2021〕237号 (China's Notice)
#   2. FinCEN guidance FIN-2013-G001 and FIN-2019-G001 (United States)
#   3. MiCA, Regulation (EU) 2023/1114
#   4. The Reserve Bank of India's circular of April 2018
#   5. Japan's amended Payment Services Act (2017)
#   A. Treats exchangers as money transmitters that register and run AML programmes,
#   with state licences on top.
#   B. Requires exchange providers to register with the national financial regulator
#   before serving anyone.
#   C. Prohibits the business, offshore exchanges serving residents included, and cuts
#   its channels.
#   D. Makes one virtual currency legal tender that every merchant in the country has to
#   accept.
#   E. Authorises service providers across a union of states and sets rules for issuers
#   of stablecoins.
#   F. Bars regulated banks from serving virtual-currency businesses, later set aside by
#   the courts.
#
# Answer: a dictionary pairing each number with a letter, e.g. q6 = {1: "B", 2: "A"}
q6 = None


# --------------------------------------------------------------------------------------
# q7 · ordering · 2 points · Licensing before and after the ban
#
# Put these events in the order they happened, earliest first.
#
#   A. China's Notice 银发〔2021〕237号 is issued.
#   B. Hong Kong's securities regulator publishes its position paper on regulating
#   trading platforms.
#   C. The US Treasury's financial-crimes unit issues its first guidance on virtual
#   currency.
#   D. MiCA applies to crypto-asset service providers.
#   E. Japan's amended Payment Services Act takes effect for exchange providers.
#
# Answer: every letter once, in order, e.g. q7 = ["C", "A", "B"]
q7 = None


# --------------------------------------------------------------------------------------
# q8 · choice · 2 points · What the Binance resolution shows
#
# In November 2023 an exchange based abroad that had served US residents settled with
# several US authorities for about USD 4.3 billion, and its founder pleaded guilty. What
# does this show for the comparison with China's Notice?
#
#   A. That the US, like China, treats every offshore exchange serving its residents as
#   illegal in itself.
#   B. That a regime without a ban can still reach an offshore exchange that serves its
#   own residents.
#   C. That offshore exchanges are beyond any state's reach unless they choose to
#   incorporate locally.
#   D. That licensing regimes tolerate unregistered offshore service once customers'
#   identities are known.
#
# Answer: one letter in quotes, e.g. q8 = "A"
q8 = None


# --------------------------------------------------------------------------------------
# q9 · choice · 2 points · Tools against an unlicensed offshore platform
#
# Country X licenses exchanges. A foreign exchange keeps serving its residents without a
# licence, much as one platform still served mainland users in mid-October 2021 (A12).
# Which analysis of Country X's tools is best?
#
#   A. It has no tools: only a ban lets a state act against an exchange whose servers
#   are abroad.
#   B. It has the same tools as China and no others, because a licence adds nothing
#   against outsiders.
#   C. It can only fine the exchange's customers, since the exchange itself is outside
#   its jurisdiction.
#   D. It shares China's tools at home and adds a lawful licensed channel that users can
#   be steered to.
#
# Answer: one letter in quotes, e.g. q9 = "A"
q9 = None


# --------------------------------------------------------------------------------------
# q10 · choice · 1 point · Reading the covert-mining figure
#
# Exhibit 3 gives China's share of bitcoin hash rate month by month, with a confidence
# mark for each row. What is the most defensible reading of the rows from July 2021
# onward?
#
#   A. Reported and attributed to covert mining, the rebound says the ban cut mining
#   sharply but not fully.
#   B. The rebound shows that mining came back after the authorities lifted the ban in
#   September 2021.
#   C. The rebound is explained by new machines that Bitmain shipped to the mainland
#   after October 2021.
#   D. The rows are verified and prove beyond doubt that the ban failed to reduce mining
#   at all.
#
# Answer: one letter in quotes, e.g. q10 = "A"
q10 = None


# --------------------------------------------------------------------------------------
# q11 · choice · 1 point · What we can say about the 2026 notice
#
# A notice numbered 银发〔2026〕42号 is reported to have been issued on 6 February 2026. What
# can this course state about it?
#
#   A. It is confirmed that it repealed 237, so the 2021 Notice no longer matters for
#   the case.
#   B. It is reported to keep the ban and add stablecoin and RWA rules; the repeal is
#   unconfirmed.
#   C. It is confirmed that it legalised licensed exchanges on the mainland from
#   February 2026.
#   D. It is reported to adopt the EU's MiCA for the mainland, with a transition to July
#   2026.
#
# Answer: one letter in quotes, e.g. q11 = "A"
q11 = None


# --------------------------------------------------------------------------------------
# q12 · numeric · 2 points · How far China's hash-rate share fell
#
# Using Exhibit 3, China's reported share of hash rate in September 2021 was what
# percentage of its share in April 2021? Give one decimal.
#
# Answer: a number in %, e.g. q12 = 12.5, rounded to 1 decimal place (right within ±0.05
# of the exact value; more decimals, or fewer, do not count)
q12 = None


# --------------------------------------------------------------------------------------
# q13 · memo · 5 points · Policy memo, ban or licence
#
# You advise the finance ministry of a mid-sized economy ("Country X"). Many of its
# residents trade virtual currencies on exchanges based abroad, some local banks
# process their payments, and no law yet covers the activity. The minister asks:
# should Country X follow China's 2021 ban, or license and supervise the business as
# FATF, the EU and Hong Kong do?
#
# Write a memo of 300 to 900 words with four sections, each opened by a heading line:
# `## Problem`, `## Options`, `## Recommendation`, `## Risks`. Cite at least three of
# these documents by their id, number or title (see the Sources page):
# `yinfa-2013-289`, `fsdc-2021-05`, `yinfa-2021-237`, `ndrc-2021-1283`, `fatf-r10`,
# `fatf-r15-r16`, `fatf-guidance-2021`, `mica`, `hk-amlo-2022`, `hk-sfc-2019`, `cbeci`,
# `exchanges-2021`, `yinfa-2026-42`, `us-fincen-2013-2019`, `us-binance-2023`,
# `japan-psa-2017`, `india-rbi-2018`, `civil-code-2020`. Use the case's facts (A1 to
# A22)
# and Exhibit 4 (design decisions) as evidence. The checker looks only at structure,
# length and citations; your instructor grades the content with the rubric.
#
# Answer: a memo as text in triple quotes, with "## " section headings
q13 = None


# --------------------------------------------------------------------------------------
# q14 · choice · 2 points · A mining policy for a hydro-rich region
#
# A hydro-rich region wants to keep miners' investment and tax revenue in the wet
# season, but its grid runs short in winter peaks, when households must come first.
# Using the mining policies of Exhibit 1, which model fits this aim best, and at what
# cost?
#
#   A. Kosovo's outright ban, which protects the grid at once at the cost of losing the
#   miners altogether.
#   B. New York's moratorium on new fossil-fuel permits, which leaves existing miners to
#   draw power in peaks.
#   C. Iran's licences with peak-time cut-offs, which keep miners and protect peaks but
#   need close metering.
#   D. China's exit under 1283, which keeps the tax base while the miners wind down over
#   several years.
#
# Answer: one letter in quotes, e.g. q14 = "A"
q14 = None
