"""mining: The mining rectification

Reference answers (instructor's copy). Replace each None with your answer, save, then run:

    caselab check mining

Generated from tests/quizzes/mining.yml by `caselab sheets`; edit only the answers.
"""


# --------------------------------------------------------------------------------------
# q1 · choice · 1 point · The notice's guiding principle
#
# The NDRC notice (发改运行〔2021〕1283号) sets the overall approach
# "严密监测、严防风险、严禁增量、妥处存量". What do its last two phrases, 严禁增量 and
# 妥处存量, require?
#
#   A. Ban any rise in the hash rate of machines already running, and sell off stocks of
#   mined coins in stages.
#   B. Ban further rises in electricity prices for industry, and work through stockpiles
#   of unsold mining machines.
#   C. Ban new mining projects outright, and bring existing projects to an orderly exit
#   on a local timetable.
#   D. Ban the issue of new virtual currencies, and convert existing holdings of them
#   into renminbi in stages.
#
# Answer: one letter in quotes, e.g. q1 = "A"
q1 = 'C'


# --------------------------------------------------------------------------------------
# q2 · matching · 3 points · Measures for new and existing projects
#
# Match each measure with where it belongs: a measure of the NDRC notice against new
# projects, a measure of the notice for existing projects, or not a measure of the
# notice at all.
#
#   1. The region where a new mining project is found has that project's energy use
#   counted double in its energy "dual control" assessment.
#   2. Mining projects are refused grid connection, and pending applications to connect
#   are stopped.
#   3. Mining pays a surcharged electricity price, set at a national standard that
#   localities may raise.
#   4. Mining projects leave the electricity market and lose its price concessions.
#   5. Banks and payment institutions stop serving mining firms and recover loans
#   already made.
#   6. Staff of public bodies who mined with their employer's resources are disciplined
#   and their gains recovered.
#   7. Mines found drawing power illegally, for example over a direct line from a small
#   hydropower plant, have their supply cut or restricted.
#   A. A measure of the notice against new projects
#   B. A measure of the notice for existing projects
#   C. Not in the notice; a provincial campaign reported in the article
#
# Answer: a dictionary pairing each number with a letter, e.g. q2 = {1: "B", 2: "A"}
q2 = {'1': 'A', '2': 'A', '3': 'B', '4': 'B', '5': 'B', '6': 'C', '7': 'B'}


# --------------------------------------------------------------------------------------
# q3 · numeric · 1 point · Power draw of one machine
#
# Take the seller's figures for one machine in the sale listing (Exhibit 2 of the
# reading). What is one machine's power draw, in watts?
#
# Answer: a number in W, e.g. q3 = 125, rounded to a whole number (right within ±0.5 of
# the exact value; more decimals, or fewer, do not count)
q3 = 3360


# --------------------------------------------------------------------------------------
# q4 · numeric · 2 points · Energy the lot uses in a day
#
# If every machine in the sale listing (Exhibit 2) runs around the clock, how much
# electricity does the whole lot use in one day, in kWh? Use the seller's figures and
# round to 1 decimal place.
#
# Answer: a number in kWh, e.g. q4 = 12.5, rounded to 1 decimal place (right within
# ±0.05 of the exact value; more decimals, or fewer, do not count)
q4 = 19353.6


# --------------------------------------------------------------------------------------
# q5 · numeric · 2 points · Daily cost of the differential tariff
#
# Suppose the lot in Exhibit 2 had kept running in China as an existing project,
# around the clock, and paid the differential-tariff surcharge at the national
# standard that the NDRC notice sets (Exhibit 1). How much extra would it pay each
# day, in yuan? Round to the nearest yuan.
#
# Answer: a number in CNY, e.g. q5 = 125, rounded to a whole number (right within ±0.5
# of the exact value; more decimals, or fewer, do not count)
q5 = 5806


# --------------------------------------------------------------------------------------
# q6 · choice · 2 points · Why Bitmain stopped shipping
#
# On 10 October 2021 Bitmain (比特大陆) announced that its Antminer machines would no
# longer be shipped to mainland China from the next day, while overseas customers were
# unaffected (A18). As far as the article reports, no authority ordered the stop. Which
# explanation fits the NDRC notice and the article best?
#
#   A. A mainland buyer could no longer lawfully connect, finance or start a new mine,
#   so the home market was closing; demand abroad remained.
#   B. The NDRC notice named the leading machine makers and ordered each of them to stop
#   all further deliveries to mainland buyers by mid-October.
#   C. The differential tariff had made running machines in China unprofitable, so
#   mainland buyers had cancelled most of their orders.
#   D. The stop applied to Chinese-made machines of other brands as well, the Whatsminer
#   lot in the Sichuan listing among them.
#
# Answer: one letter in quotes, e.g. q6 = "A"
q6 = 'A'


# --------------------------------------------------------------------------------------
# q7 · numeric · 2 points · Share of screened IP addresses flagged in Zhejiang
#
# Using the screening funnel in Exhibit 4, what percentage of the IP addresses that
# Zhejiang looked at made it onto the list of suspected public-resource mining? Round
# to 2 decimal places and write it as a percentage (e.g. 12.34, not 0.1234).
#
# Answer: a number in %, e.g. q7 = 12.5, rounded to 2 decimal places (right within
# ±0.005 of the exact value; more decimals, or fewer, do not count)
q7 = 3.92


# --------------------------------------------------------------------------------------
# q8 · multi · 2 points · Reading Zhejiang's screening funnel
#
# Read the screening funnel in Exhibit 4. Which statements are correct? Pick every one
# that is.
#
#   A. Roughly two-thirds of the flagged IP addresses went on to be examined.
#   B. Roughly one-quarter of the flagged units went on to be examined.
#   C. The examined IP addresses were roughly two-thirds of those screened.
#   D. On average each flagged unit had more than two flagged IP addresses.
#   E. The flagged share of screened addresses is the share of units that mined.
#
# Answer: a list of every letter that applies, e.g. q8 = ["A", "C"]
q8 = ['A', 'B', 'D']


# --------------------------------------------------------------------------------------
# q9 · choice · 2 points · Reading the hash-rate migration
#
# Read Exhibit 5 with its confidence marks and the dates of the State Council
# committee's call (May 2021) and of the autumn notices. Which reading of China's share
# of bitcoin hash rate is best supported?
#
#   A. The zero readings for July and August 2021 show that mining in China had in fact
#   stopped then, and the later rise is renewed mining.
#   B. China's share fell mainly after the NDRC notice of September 2021, so the autumn
#   notices drove most of the migration.
#   C. By January 2022 China's share was back near its 2019 level, so the effect of the
#   crackdown on mining had largely reversed.
#   D. Mining was displaced rather than ended; measured activity vanished by mid-2021,
#   and later reported figures put a fifth back.
#
# Answer: one letter in quotes, e.g. q9 = "A"
q9 = 'D'


# --------------------------------------------------------------------------------------
# q10 · ordering · 2 points · The mining crackdown in sequence
#
# Put these events in chronological order, earliest first.
#
#   A. Bitmain announces that Antminer shipments to mainland China stop from the next
#   day.
#   B. The State Council's Financial Stability and Development Committee calls for a
#   crackdown on bitcoin mining and trading.
#   C. The NDRC and ten other bodies date the notice on rectifying virtual-currency
#   "mining" activities.
#   D. 火星云矿 announces that it will end mining-machine hosting and leasing in mainland
#   China.
#   E. Mining is formally listed in the industrial structure catalogue as an industry to
#   be phased out.
#
# Answer: every letter once, in order, e.g. q10 = ["C", "A", "B"]
q10 = ['B', 'C', 'A', 'D', 'E']


# --------------------------------------------------------------------------------------
# q11 · text · 1 point · The catalogue category for mining
#
# The NDRC notice says mining is to be added to one category of the Industrial
# Structure Adjustment Guidance Catalogue (《产业结构调整指导目录（2019年本）》) and
# treated as belonging to it in the meantime, so that investment in it is barred. Name
# the category, in Chinese or in English (one word as this module translates it).
#
# Answer: a short text in quotes, e.g. q11 = "..."; case and spacing do not matter
q11 = '淘汰类'


# --------------------------------------------------------------------------------------
# q12 · code · 3 points · Electricity bill of an existing mining project
#
# Write a function that returns the electricity bill, in CNY, of an existing mining
# project under the NDRC notice: `machines` identical machines, each with hash rate
# `ths` (TH/s) and efficiency `w_per_th` (W per TH/s), running for `hours` hours.
# `base_tariff` is the price per kWh the project would pay before the notice's
# differential tariff; apply the surcharge at the national standard the notice sets
# (Exhibit 1). Return the number unrounded. Then use it on the lot in Exhibit 2 at the
# illustrative prices of Exhibit 3.
#
# Answer: complete the function q12 below; it is called with the inputs listed
# Example calls: q12(240, 56, 60, 0.35); q12(240, 56, 60, 0.25); q12(1, 56, 60, 0.45)
def q12(machines, ths, w_per_th, base_tariff, hours=24):
    surcharge = 0.30                                    # CNY/kWh, the notice's national standard
    power_kw = machines * ths * w_per_th / 1000         # W/TH x TH/s = W; / 1000 = kW
    energy_kwh = power_kw * hours
    return energy_kwh * (base_tariff + surcharge)


# --------------------------------------------------------------------------------------
# q13 · code · 3 points · Payback days for a second-hand machine
#
# A buyer pays `price_cny` for one second-hand machine (A21 reports M21S listings from
# about RMB 5,500 to 20,000). The machine earns `revenue_per_th_day` CNY per TH/s per
# day (an assumption you are given, not a fact of the case) and runs around the clock
# at an all-in electricity price of `tariff` CNY per kWh. Return the number of days
# until what it earns above its power bill has repaid the price, unrounded, or None if
# that never happens. Ignore hosting fees, transport, downtime and changes in revenue.
#
# Answer: complete the function q13 below; it is called with the inputs listed
# Example calls: q13(5500, 56, 60, 0.35, 1.5); q13(20000, 56, 60, 0.35, 1.5); q13(5500,
# 56, 60, 0.65, 1.5)
def q13(price_cny, ths, w_per_th, tariff, revenue_per_th_day):
    revenue = ths * revenue_per_th_day                  # CNY per day
    cost = ths * w_per_th / 1000 * 24 * tariff          # kW x 24 h x CNY/kWh
    margin = revenue - cost
    if margin <= 0:
        return None
    return price_cny / margin


# --------------------------------------------------------------------------------------
# q14 · numeric · 2 points · The tariff at which the lot stops paying
#
# Take the lot in Exhibit 2 and the teaching-assumption revenue per TH/s per day in
# Exhibit 3. At what all-in electricity price, in CNY per kWh, does the lot's daily
# revenue only just cover its daily power bill? Round to 2 decimal places.
#
# Answer: a number in CNY/kWh, e.g. q14 = 12.5, rounded to 2 decimal places (right
# within ±0.005 of the exact value; more decimals, or fewer, do not count)
q14 = 1.04


# --------------------------------------------------------------------------------------
# q15 · choice · 3 points · Did the national surcharge close the mines?
#
# In November 2021 a county official writes to the province: "The 0.30 yuan surcharge
# has made mining in our county unprofitable; that is why the mines have closed." Test
# the claim on the lot in Exhibit 2 at the teaching-assumption revenue and the
# illustrative base price of 0.35 CNY/kWh (Exhibit 3). Which assessment is right?
#
#   A. The claim holds, because the surcharge nearly doubles the lot's power bill, and a
#   doubled bill in practice eats up the margin.
#   B. The claim fails, because the surcharge cuts the margin hard but leaves it
#   positive; closure orders and power cut-offs forced the exit.
#   C. The claim holds, because the surcharge alone is larger than the lot's daily
#   revenue, so each extra kWh the lot uses is a loss.
#   D. The claim fails, because the surcharge is charged to new projects, so the
#   county's existing mines did not have to pay it in the first place.
#
# Answer: one letter in quotes, e.g. q15 = "A"
q15 = 'B'


# --------------------------------------------------------------------------------------
# q16 · multi · 2 points · Which tariffs make the lot lose money
#
# At the teaching-assumption revenue (Exhibit 3), which of these electricity prices
# would leave the lot in Exhibit 2 earning less each day than its power bill? The
# surcharges are those set out in the reading. Pick every one that would.
#
#   A. Power bought at 0.35 CNY/kWh, with the national standard charged on top
#   B. The same 0.35 CNY/kWh base in Inner Mongolia, once its 2022 surcharge applies
#   C. The same 0.35 CNY/kWh base in Sichuan, once its own 2022 surcharge applies in
#   full
#   D. A costly local supply at 0.75 CNY/kWh, plus the surcharge at the national rate
#   E. A middling local price of 0.55 CNY/kWh, plus the differential tariff's standard
#
# Answer: a list of every letter that applies, e.g. q16 = ["A", "C"]
q16 = ['B', 'C', 'D']


# --------------------------------------------------------------------------------------
# q17 · memo · 4 points · Memo to a provincial regulator on the mines still running
#
# It is May 2022. You advise a provincial development and reform commission. Despite
# the NDRC notice, grid data show that a number of existing mining projects in the
# province are still drawing power, most of them paying the national differential
# tariff. Your director asks whether raising the surcharge would end them, or whether
# other tools should be used. Write a memo with the sections **Problem**, **Options**
# and **Recommendation** (each a line starting `## `), 150–450 words, citing at least
# two of: the NDRC notice (`ndrc-2021-1283`), the Inner Mongolia notice
# (`neimenggu-2022-115`), the Sichuan notice (`sichuan-2022-186`), the catalogue
# amendment (`catalogue-2021`).
#
# Answer: a memo as text in triple quotes, with "## " section headings
q17 = """
## Problem

Existing mines in the province are still running and most pay the national
differential tariff of CNY 0.30 per kWh that the NDRC notice sets as its standard
(ndrc-2021-1283). The surcharge has not ended them because it does not exceed their
margin. For a lot of M21S-class machines at 60 W/TH and an assumed revenue of CNY 1.5
per TH/s per day, the break-even price of power is a little above CNY 1 per kWh; a base price of
0.35 plus 0.30 leaves a margin of more than half of what the lot made before. At
higher revenue, as in October 2021, break-even is higher still. A price tool that
stays below break-even taxes mining; it does not stop it.

## Options

1. Raise the surcharge, as the notice allows localities to do. Inner Mongolia set
   CNY 1 per kWh (neimenggu-2022-115) and Sichuan CNY 2 (sichuan-2022-186), both
   reported. CNY 2 exceeds break-even at any plausible revenue; CNY 1 does so only at
   low revenue. Quick to apply, but it raises revenue from mines that keep running and
   pushes them towards hidden supply.
2. Use the notice's non-price tools: cut or restrict power to mines on illegal supply,
   remove them from the power market, stop credit, and order closure of projects not
   phased out on time under the catalogue (ndrc-2021-1283; catalogue-2021). Slower
   and needs inspections, but it ends operation rather than pricing it.
3. Both, with a short deadline.

## Recommendation

Option 3. Apply a surcharge above break-even at once on the grid company's list, so
that every month of operation costs more than it earns, and in parallel order closure
of listed projects by a fixed date, with power cut-offs where supply is illegal.
Monitor abnormal consumption and IP data to find covert mines, since a higher price
gives miners more reason to hide. Treat revenue figures as assumptions and revisit
the surcharge if the hash price moves.
"""
