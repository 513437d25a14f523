"""compare: Ban or licence? China beside FATF, the EU and Hong Kong

Answer sheet. Replace each None with your answer, save, then run:

    caselab check compare

Generated from tests/quizzes/compare.yml by `caselab sheets`; edit only the answers.
"""


# --------------------------------------------------------------------------------------
# q1 · choice · 1 point · Ban or licence in the FATF standard
#
# China's Notice (银发〔2021〕237号) came out about five weeks before the FATF's
# updated guidance on virtual assets (reported as published on 28 October 2021).
# Which statement about the two is right?
#
#   A. China was carrying out a FATF requirement that member countries ban virtual-
#   currency trading.
#   B. The FATF standard asks countries to license or register virtual asset service
#   providers and supervise them for AML/CFT; a ban is a national choice that the
#   standard does not require.
#   C. The FATF guidance forbids any country from prohibiting virtual-asset activity.
#   D. The FATF standard leaves virtual assets out of anti-money-laundering rules
#   altogether.
#
# Answer: one letter in quotes, e.g. q1 = "A"
q1 = None


# --------------------------------------------------------------------------------------
# q2 · multi · 2 points · What FATF asks of VASPs
#
# Which of the following belong to the FATF standard for virtual asset service
# providers (Recommendation 15 with its Interpretive Note, and Recommendation 16)?
# Pick every one that does.
#
#   A. VASPs must be licensed or registered.
#   B. Civil contracts involving virtual assets must be treated as void.
#   C. For occasional transactions, customer due diligence starts at USD/EUR 1,000, not
#   at the general USD/EUR 15,000.
#   D. The originating VASP obtains, holds and passes on originator and beneficiary
#   information with a transfer (the travel rule).
#   E. VASPs may serve only residents of the country that licensed them.
#
# Answer: a list of every letter that applies, e.g. q2 = ["A", "C"]
q2 = None


# --------------------------------------------------------------------------------------
# q3 · choice · 1 point · When MiCA applies
#
# From which date does the EU's Markets in Crypto-Assets Regulation (MiCA,
# Regulation (EU) 2023/1114, 《欧盟加密资产市场条例》) apply in general, including to
# crypto-asset service providers?
#
#   A. 31 May 2023, the date the regulation was adopted.
#   B. 9 June 2023, the date it was published in the Official Journal.
#   C. 30 June 2024.
#   D. 30 December 2024.
#
# Answer: one letter in quotes, e.g. q3 = "A"
q3 = None


# --------------------------------------------------------------------------------------
# q4 · numeric · 2 points · Days from MiCA's publication to its application
#
# How many days passed between MiCA's publication in the Official Journal and the
# date from which it applies in general? Count the difference of the two calendar
# dates (the application date minus the publication date).
#
# Answer: a number in days, e.g. q4 = 125, rounded to a whole number (right within ±0.5
# of the exact value; more decimals, or fewer, do not count)
q4 = None


# --------------------------------------------------------------------------------------
# q5 · choice · 1 point · Hong Kong's VATP regime
#
# Hong Kong licenses virtual asset trading platforms (VATPs, 虚拟资产交易平台). Which
# statement about the origin of that regime is right?
#
#   A. It was created in September 2021 as Hong Kong's part of the mainland crackdown.
#   B. Hong Kong applies the mainland Notice, so VATPs there may not serve anyone.
#   C. It comes from the Anti-Money Laundering and Counter-Terrorist Financing
#   (Amendment) Ordinance 2022, passed on 7 December 2022, with licensing by the SFC
#   reported to start on 1 June 2023.
#   D. It is Hong Kong's adoption of the EU's MiCA.
#
# Answer: one letter in quotes, e.g. q5 = "A"
q5 = None


# --------------------------------------------------------------------------------------
# q6 · matching · 2 points · Four regimes, four approaches
#
# Match each instrument to the approach it takes. One description on the right fits
# none of them.
#
#   1. 银发〔2021〕237号 (China's Notice)
#   2. FATF Recommendation 15 / INR.15 and Recommendation 16
#   3. MiCA, Regulation (EU) 2023/1114
#   4. Hong Kong's AML/CTF (Amendment) Ordinance 2022
#   A. An international standard addressed to governments, asking them to license or
#   register VASPs and apply the travel rule.
#   B. A licensing regime for virtual asset trading platforms, supervised by the
#   securities regulator.
#   C. A prohibition of virtual-currency business, including offshore exchanges serving
#   residents online.
#   D. A law that makes a virtual currency legal tender.
#   E. A regulation binding directly in every member state, with authorisation of
#   crypto-asset service providers and rules for issuers of asset-referenced and e-money
#   tokens.
#
# Answer: a dictionary pairing each number with a letter, e.g. q6 = {1: "B", 2: "A"}
q6 = None


# --------------------------------------------------------------------------------------
# q7 · ordering · 2 points · Putting the regimes on a timeline
#
# Put these events in the order they happened, earliest first.
#
#   A. MiCA applies in general.
#   B. China's Notice 银发〔2021〕237号 is issued.
#   C. Hong Kong's Legislative Council passes the AML/CTF amendment creating VATP
#   licensing.
#   D. The FATF adopts the Interpretive Note to Recommendation 15.
#   E. The FATF publishes its updated guidance on virtual assets and VASPs.
#
# Answer: every letter once, in order, e.g. q7 = ["C", "A", "B"]
q7 = None


# --------------------------------------------------------------------------------------
# q8 · text · 1 point · The name of R.16's rule
#
# Under FATF Recommendation 16, as applied to virtual assets, the VASP that sends a
# transfer must obtain and hold information on the originator and the beneficiary and
# pass it on, immediately and securely, to the receiving VASP. What is this rule
# usually called? Answer in two words.
#
# Answer: a short text in quotes, e.g. q8 = "..."; case and spacing do not matter
q8 = None


# --------------------------------------------------------------------------------------
# q9 · choice · 1 point · Reaching an offshore exchange
#
# In mid-October 2021 a platform still let the reporter trade with a mainland
# identity, a domestic bank card and Alipay (A12). Under the Notice, which statement is
# right?
#
#   A. The platform is legal because it is registered abroad; the Notice only covers
#   exchanges inside mainland China.
#   B. An offshore exchange serving mainland residents over the internet is itself
#   illegal financial activity, and liability is reported to reach its staff in China
#   and those who knowingly give it marketing, payment or technical support.
#   C. Only the mainland user breaks the Notice; the exchange and its payment channels
#   do not.
#   D. The exchange becomes legal once it obtains a licence in Hong Kong.
#
# Answer: one letter in quotes, e.g. q9 = "A"
q9 = None


# --------------------------------------------------------------------------------------
# q10 · choice · 1 point · Reading the covert-mining figure
#
# The Cambridge index (CBECI) put China's share of bitcoin hash rate at 0 % in July
# and August 2021, then at 22.29 % in September 2021 and 21.11 % in January 2022 (the
# last two reported from a May 2022 update). What is the most defensible reading?
#
#   A. China lifted the mining ban in September 2021.
#   B. The machines Bitmain shipped after 11 October 2021 explain the rebound.
#   C. The rebound is reported and was attributed to covert mining; it suggests the ban
#   reduced mining sharply but did not end it.
#   D. The figures measure Hong Kong, which is outside the mainland ban.
#
# Answer: one letter in quotes, e.g. q10 = "A"
q10 = None


# --------------------------------------------------------------------------------------
# q11 · choice · 1 point · What we can say about the 2026 notice
#
# A notice numbered 银发〔2026〕42号 is reported to have been issued on 6 February 2026.
# What can this course state about it?
#
#   A. It legalised licensed virtual-currency exchanges on the mainland.
#   B. It is confirmed that it repealed 银发〔2021〕237号, so the 2021 Notice no longer
#   matters.
#   C. It is reported to keep the ban and to add rules on RMB stablecoins and the
#   tokenisation of real-world assets; whether it repeals the 2021 Notice is
#   unconfirmed.
#   D. It adopted the EU's MiCA for mainland China.
#
# Answer: one letter in quotes, e.g. q11 = "A"
q11 = None


# --------------------------------------------------------------------------------------
# q12 · numeric · 1 point · How many bodies issued the Notice
#
# How many bodies jointly issued 银发〔2021〕237号? (See the list of issuers on the
# Sources page.)
#
# Answer: a number in bodies, e.g. q12 = 125, rounded to a whole number (right within
# ±0.5 of the exact value; more decimals, or fewer, do not count)
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
# `fatf-r15-r16`, `fatf-guidance-2021`, `mica`, `hk-amlo-2022`, `cbeci`,
# `exchanges-2021`, `yinfa-2026-42`. Use the case's facts (A1 to A22) as evidence. The
# checker looks only at structure, length and citations; your instructor grades the
# content with a rubric.
#
# Answer: a memo as text in triple quotes, with "## " section headings
q13 = None
