"""mining: The mining rectification

Reference answers (instructor's copy). Replace each None with your answer, save, then run:

    caselab check mining

Generated from tests/quizzes/mining.yml by `caselab sheets`; edit only the answers.
"""


# --------------------------------------------------------------------------------------
# q1 · choice · 1 point · The notice's guiding principle
#
# The NDRC notice (发改运行〔2021〕1283号) sets the overall approach
# "严密监测、严防风险、严禁增量、妥处存量". What do the last two phrases, 严禁增量 and
# 妥处存量, require?
#
#   A. Strictly prohibit new mining projects, and deal properly with existing ones.
#   B. Strictly prohibit any increase in the hash rate of existing machines, and dispose
#   of stocks of mined coins.
#   C. Strictly prohibit increases in electricity prices, and handle stockpiles of
#   mining machines.
#   D. Strictly prohibit the issue of new coins, and convert existing coins into
#   renminbi.
#
# Answer: one letter in quotes, e.g. q1 = "A"
q1 = 'A'


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
#   3. Mining is charged the electricity price for "eliminated" industries, with a
#   surcharge of at least 0.30 CNY/kWh.
#   4. Mining projects leave the electricity market and lose its price concessions.
#   5. Banks and payment institutions stop serving mining firms and recover loans
#   already made.
#   6. Staff of public bodies who mined with their employer's resources are disciplined
#   and their gains recovered.
#   A. A measure of the notice against new (增量) projects
#   B. A measure of the notice for existing (存量) projects
#   C. Not in the notice; a provincial campaign reported in the article
#
# Answer: a dictionary pairing each number with a letter, e.g. q2 = {1: "B", 2: "A"}
q2 = {'1': 'A', '2': 'A', '3': 'B', '4': 'B', '5': 'B', '6': 'C'}


# --------------------------------------------------------------------------------------
# q3 · numeric · 1 point · Power draw of one machine
#
# The sale listing in A19 describes each Whatsminer M21S (神马M21S) as 56 TH/s at
# 60 W/TH. Taking the listing's figures, what is one machine's power draw, in watts?
#
# Answer: a number in W, e.g. q3 = 125, rounded to a whole number (right within ±0.5 of
# the exact value; more decimals, or fewer, do not count)
q3 = 3360


# --------------------------------------------------------------------------------------
# q4 · numeric · 2 points · Energy the lot uses in a day
#
# The listing offers 240 such machines (A19). If all of them run around the clock,
# how much electricity does the lot use in one day, in kWh? Use the listing's
# figures. Round to 1 decimal place.
#
# Answer: a number in kWh, e.g. q4 = 12.5, rounded to 1 decimal place (right within
# ±0.05 of the exact value; more decimals, or fewer, do not count)
q4 = 19353.6


# --------------------------------------------------------------------------------------
# q5 · numeric · 2 points · Daily cost of the differential tariff
#
# Suppose the lot had kept running in China as an existing project, around the clock.
# The NDRC notice adds at least 0.30 CNY per kWh to the electricity price of existing
# mining projects. How much extra does the lot pay each day at that minimum
# surcharge, in yuan? Round to the nearest yuan.
#
# Answer: a number in CNY, e.g. q5 = 125, rounded to a whole number (right within ±0.5
# of the exact value; more decimals, or fewer, do not count)
q5 = 5806


# --------------------------------------------------------------------------------------
# q6 · choice · 1 point · Bitmain's shipping stop
#
# What did Bitmain (比特大陆) announce on 10 October 2021, according to the article?
#
#   A. From 11 October 2021 Antminer machines would no longer be shipped to mainland
#   China (Hong Kong and Taiwan are outside the stop); mainland customers with forward
#   orders would be contacted with alternatives; overseas customers were unaffected.
#   B. Bitmain would stop all sales of mining machines worldwide until the Chinese rules
#   were clarified.
#   C. The stop covered the Whatsminer M21S machines in the Sichuan sale listing.
#   D. The NDRC notice had ordered named manufacturers to stop deliveries to China, and
#   Bitmain was complying with that order.
#
# Answer: one letter in quotes, e.g. q6 = "A"
q6 = 'A'


# --------------------------------------------------------------------------------------
# q7 · numeric · 2 points · Share of screened IP addresses flagged in Zhejiang
#
# Zhejiang screened 4,699 IP addresses suspected of mining and flagged 184 of them, at
# 77 units, as suspected of mining on public resources (A22). What percentage of the
# screened IP addresses was flagged? Round to 2 decimal places and write it as a
# percentage (e.g. 12.34, not 0.1234).
#
# Answer: a number in %, e.g. q7 = 12.5, rounded to 2 decimal places (right within
# ±0.005 of the exact value; more decimals, or fewer, do not count)
q7 = 3.92


# --------------------------------------------------------------------------------------
# q8 · multi · 2 points · Reading Zhejiang's screening funnel
#
# The funnel (A22): 4,699 IP addresses screened; 184 IP addresses at 77 units
# flagged; 119 IP addresses at 20 units examined by the inspection group. Which
# statements are correct? Pick every one that is.
#
#   A. Roughly two-thirds of the flagged IP addresses were examined.
#   B. Roughly one-quarter of the flagged units were examined.
#   C. The examined IP addresses were roughly two-thirds of the IP addresses screened.
#   D. On average each flagged unit had more than two flagged IP addresses.
#   E. The share of screened IP addresses that were flagged equals the share of
#   Zhejiang's public units that mined.
#
# Answer: a list of every letter that applies, e.g. q8 = ["A", "C"]
q8 = ['A', 'B', 'D']


# --------------------------------------------------------------------------------------
# q9 · choice · 2 points · Reading the hash-rate migration
#
# The Cambridge Bitcoin Electricity Consumption Index (CBECI) estimates China's share
# of bitcoin hash rate at 75.53 % in September 2019, 46.0 % in April 2021 (reported),
# 0 % in July and August 2021, and 22.29 % in September 2021 and 21.11 % in January 2022
# (both reported, from a May 2022 update). Which reading is best supported?
#
#   A. Mining was displaced rather than eliminated; measured activity vanished in
#   mid-2021, and the later reported figures, attributed to covert mining, put about a
#   fifth of the world's hash rate back in China.
#   B. The zero readings prove that no bitcoin mining took place in China in July and
#   August 2021.
#   C. The migration began only after the NDRC notice of September 2021.
#   D. By January 2022 China's share was back to its 2019 level.
#
# Answer: one letter in quotes, e.g. q9 = "A"
q9 = 'A'


# --------------------------------------------------------------------------------------
# q10 · ordering · 2 points · The mining crackdown in sequence
#
# Put these events in chronological order, earliest first.
#
#   A. Bitmain announces that Antminer shipments to mainland China stop from the next
#   day.
#   B. The State Council's Financial Stability and Development Committee calls for a
#   crackdown on bitcoin mining and trading.
#   C. The NDRC and ten other bodies sign the notice on rectifying virtual-currency
#   mining.
#   D. 火星云矿 announces that it will wind down mining-machine hosting and leasing in
#   mainland China.
#   E. Mining is added to the "eliminated" category of the industrial structure
#   catalogue.
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
# q12 · code · 3 points · Daily electricity cost of a set of machines
#
# Write a function that returns the electricity cost, in CNY, of running `machines`
# identical machines, each with hash rate `ths` (TH/s) and efficiency `w_per_th`
# (W per TH/s), for `hours` hours at a price of `tariff` CNY per kWh. Return the
# number unrounded. Use it to compare the cost of the A19 lot at the illustrative
# tariffs on the module page, with and without the differential surcharge.
#
# Answer: complete the function q12 below; it is called with the inputs listed
# Example calls: q12(240, 56, 60, 0.35); q12(240, 56, 60, 0.55); q12(1, 56, 60, 0.45)
def q12(machines, ths, w_per_th, tariff, hours=24):
    power_kw = machines * ths * w_per_th / 1000   # W/TH x TH/s = W; / 1000 = kW
    energy_kwh = power_kw * hours
    return energy_kwh * tariff


# --------------------------------------------------------------------------------------
# q13 · code · 3 points · Payback days for a second-hand machine
#
# A buyer pays `price_cny` for one second-hand machine (A21 reports M21S listings from
# about RMB 5,500 to 20,000). The machine earns `revenue_per_th_day` CNY per TH/s per
# day (an assumption you are given, not a fact of the case) and runs 24 hours a day at
# `tariff` CNY per kWh. Its daily margin is revenue minus electricity cost. Return the
# number of days needed for the margin to repay the price, unrounded; return None if
# the margin is zero or negative (the machine never pays back). Ignore hosting fees,
# transport, downtime and changes in revenue.
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
