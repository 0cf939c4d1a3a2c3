#!/usr/bin/env python3
"""Real PMML scorecards for polc's reference check (tests/pmml_reference.rs).

1. Generates a credit underwriting sample (seeded, so the run is reproducible):
   5,000 training applications with a default flag, and 1,000 scoring records
   (tests/pmml/real/records.jsonl) with missing values and values exactly at the
   models' cut-offs.
2. Fits two optbinning `Scorecard`s (optimal binning + scikit-learn
   LogisticRegression, points scaled and rounded) and exports each with
   sklearn2pmml (JPMML-SkLearn, Java) to a PMML 4.4 `Scorecard` model.
3. Adds what optbinning does not model: a reason code and a baseline score on
   each characteristic and the reason-code output fields (`pointsBelow`), as a
   modeller does before handing the model to underwriting (see `with_reasons`).
4. Scores the 1,000 records with the reference evaluator, JPMML-Evaluator
   (the `jpmml_evaluator` package over Java), and writes the scores and reason
   codes to tests/pmml/real/MODEL.expected.jsonl.

    python3 -m venv .venv && .venv/bin/pip install -r scripts/pmml/requirements.txt
    .venv/bin/python scripts/pmml/make_pmml.py [OUT_DIR]   # default tests/pmml/real

scripts/pmml/check-reference.sh runs it into a temporary directory and compares.
"""

import json
import math
import os
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
from jpmml_evaluator import make_evaluator
from optbinning import BinningProcess, Scorecard
from sklearn.linear_model import LogisticRegression
from sklearn2pmml import sklearn2pmml
from sklearn2pmml.pipeline import PMMLPipeline

PMML_NS = "http://www.dmg.org/PMML-4_4"
ET.register_namespace("", PMML_NS)
ET.register_namespace("data", "http://jpmml.org/jpmml-model/InlineTable")

PRODUCTS = ["consumer_loan", "auto_loan", "micro_business_loan", "mortgage_loan"]
# whole numbers in the records (the PMML calls them `double`: optbinning cuts them at 21.5)
WHOLE = ("age", "credit_score", "overdue_count_24m", "months_on_book", "inquiries_6m")
EMPLOYMENT = ["salaried", "civil_servant", "self_employed", "freelance", "retired", "student", "unemployed"]


def applications(rng, n):
    """`n` applications as a DataFrame, and the default flag."""
    age = rng.integers(18, 71, n)
    income = np.round(rng.lognormal(9.0, 0.55, n), 2)
    dti = np.round(rng.beta(2.2, 5.0, n), 3)
    credit_score = rng.integers(350, 851, n).astype(float)
    product = rng.choice(PRODUCTS, n, p=[0.45, 0.25, 0.15, 0.15])
    overdue = rng.poisson(0.6, n).astype(float)
    employment = rng.choice(EMPLOYMENT, n, p=[0.50, 0.12, 0.15, 0.10, 0.07, 0.04, 0.02])
    months_on_book = rng.integers(0, 121, n).astype(float)
    inquiries = rng.poisson(1.2, n).astype(float)
    utilization = np.round(rng.beta(1.5, 3.0, n), 2)
    z = (
        -2.0
        + 0.035 * np.clip(35 - age, 0, None)
        + 2.8 * dti
        - 0.0045 * (np.nan_to_num(credit_score, nan=560.0) - 600)
        + 0.55 * overdue
        + 0.8 * (product == "micro_business_loan")
        - 0.3 * (product == "mortgage_loan")
        - 0.00004 * (income - 8000)
        + 0.6 * np.isin(employment, ["freelance", "student", "unemployed"])
        - 0.4 * (employment == "civil_servant")
        - 0.006 * months_on_book
        + 0.25 * inquiries
        + 1.5 * utilization
    )
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-z))).astype(int)
    frame = pd.DataFrame(
        {
            "age": age.astype(float),
            "monthly_income": income,
            "dti": dti,
            "credit_score": credit_score,
            "product": product,
            "overdue_count_24m": overdue,
            "employment_type": employment,
            "months_on_book": months_on_book,
            "inquiries_6m": inquiries,
            "utilization": utilization,
        }
    )
    # thin files: no bureau score; incomes not declared; bureaus down
    for column, share in [("credit_score", 0.10), ("monthly_income", 0.04), ("inquiries_6m", 0.05)]:
        frame.loc[rng.random(n) < share, column] = np.nan
    frame.loc[rng.random(n) < 0.03, "employment_type"] = None
    return frame, y


# name, title, reason-code prefix, features, categorical, optbinning Scorecard arguments,
# how many reason codes it reports, how the baselines are chosen (see `with_reasons`)
MODELS = [
    (
        "app_score",
        "申请评分卡 (optbinning)",
        "S",
        ["age", "monthly_income", "dti", "credit_score", "product", "overdue_count_24m"],
        ["product"],
        {"scaling_method": "pdo_odds", "scaling_method_params": {"pdo": 20, "odds": 50, "scorecard_points": 600}},
        3,
        "mode",
    ),
    (
        "bhv_score",
        "行为评分卡 (optbinning)",
        "B",
        ["employment_type", "months_on_book", "inquiries_6m", "utilization", "credit_score"],
        ["employment_type"],
        {"scaling_method": "min_max", "scaling_method_params": {"min": 300, "max": 850}},
        2,
        "mode",
    ),
    (
        # the intercept as the model's initialScore, baselines at each characteristic's best points
        "limit_score",
        "额度评分卡 (optbinning, intercept)",
        "L",
        ["overdue_count_24m", "dti", "monthly_income", "employment_type", "age"],
        ["employment_type"],
        {
            "scaling_method": "pdo_odds",
            "scaling_method_params": {"pdo": 40, "odds": 20, "scorecard_points": 500},
            "intercept_based": True,
        },
        3,
        "max",
    ),
]


def fit(name, features, categorical, scaling, train, y):
    binning = BinningProcess(
        features,
        categorical_variables=categorical,
    )
    card = Scorecard(
        binning_process=binning,
        estimator=LogisticRegression(max_iter=1000),
        rounding=True,
        reverse_scorecard=True,
        **scaling,
    )
    card.pmml_name_ = name  # the Scorecard's modelName
    pipeline = PMMLPipeline([("scorecard", card)])
    pipeline.fit(train[features], y)
    return pipeline, card


def q(tag):
    return f"{{{PMML_NS}}}{tag}"


def with_reasons(path, title, prefix, features, card, reasons, baselines):
    """optbinning has no reason codes: give each characteristic one (`prefix` and its
    number, in the features' order), a baseline, and the model `reasons` reason-code
    outputs (PMML `pointsBelow`).

    The baseline of a characteristic (PMML `baselineMethod`) is, for "mode", its points
    at the training sample's typical applicant: the points of the bin that holds the most
    training records, so that an applicant loses points where they are worse than usual;
    for "max", its best points, so that every point short of the best counts.
    """
    tree = ET.parse(path)
    root = tree.getroot()
    header = root.find(q("Header"))
    header.set("description", title)
    model = root.find(q("Scorecard"))
    model.set("useReasonCodes", "true")
    model.set("reasonCodeAlgorithm", "pointsBelow")
    model.set("baselineMethod", baselines)
    points = card.table(style="summary")
    characteristics = model.find(q("Characteristics"))
    for number, characteristic in enumerate(characteristics.findall(q("Characteristic")), start=1):
        feature = features[number - 1]
        assert characteristic.get("name") == f"optBinning({feature})", characteristic.get("name")
        characteristic.set("name", feature)
        characteristic.set("reasonCode", f"{prefix}{number:02d}")
        rows = points[points["Variable"] == feature]
        binned = card.binning_process_.get_binned_variable(feature).binning_table.build()
        # the bins, "Special" and "Missing", as in `rows` (not the "Totals" row)
        counts = binned["Count"].iloc[: len(rows)].to_numpy()
        if baselines == "mode":
            baseline = rows["Points"].iloc[int(np.argmax(counts))]
        else:
            baseline = rows["Points"].max()
        characteristic.set("baselineScore", str(int(baseline)))
    output = ET.Element(q("Output"))
    ET.SubElement(
        output, q("OutputField"), name="score", optype="continuous", dataType="double", feature="predictedValue"
    )
    for rank in range(1, reasons + 1):
        ET.SubElement(
            output,
            q("OutputField"),
            name=f"reason_{rank}",
            optype="categorical",
            dataType="string",
            feature="reasonCode",
            rank=str(rank),
        )
    # the schema's order: MiningSchema, Output, ModelStats…, Characteristics
    model.insert(list(model).index(model.find(q("MiningSchema"))) + 1, output)
    ET.indent(tree, space="\t")
    tree.write(path, encoding="UTF-8", xml_declaration=True)


def cut_offs(path):
    """Every bound in the model's predicates, by field (for records at the cut-offs)."""
    cuts = {}
    for predicate in ET.parse(path).getroot().iter(q("SimplePredicate")):
        if predicate.get("value") is not None and predicate.get("operator") != "equal":
            cuts.setdefault(predicate.get("field"), set()).add(predicate.get("value"))
    return {field: sorted(values) for field, values in cuts.items()}


def scoring_records(rng, cuts):
    """1,000 records: fresh applications; one in ten has one field exactly at a cut-off
    (written as the PMML writes it), so that the bins' edges are checked."""
    frame, _ = applications(rng, 1000)
    records = []
    for i, row in enumerate(frame.to_dict(orient="records")):
        record = {"id": f"R{i + 1:04d}"}
        for key, value in row.items():
            if value is None or (isinstance(value, float) and math.isnan(value)):
                record[key] = None
            elif key in WHOLE:
                record[key] = int(value)
            elif isinstance(value, float):
                record[key] = round(value, 3)
            else:
                record[key] = value
        if i % 10 == 0:
            field = sorted(cuts)[(i // 10) % len(cuts)]
            values = cuts[field]
            # the exact decimal text of the bound (JSON numbers keep it), or for a
            # whole-number field (cut at 21.5) the whole numbers either side of it
            value = json.loads(values[(i // 10) % len(values)])
            if field in WHOLE:
                value = math.floor(value) if (i // 10) % 2 == 0 else math.ceil(value)
            record[field] = value
        records.append(record)
    return records


def reference(path, records, features, reasons):
    """Each record scored by JPMML-Evaluator: the score and reason codes in rank order."""
    evaluator = make_evaluator(path, backend="jpype").verify()
    frame = pd.DataFrame([{f: r[f] for f in features} for r in records])
    frame = frame.astype(object).where(frame.notna(), None)
    results = evaluator.evaluateAll(frame)
    out = []
    for record, (_, result) in zip(records, results.iterrows()):
        score = result["score"]
        assert float(score).is_integer(), score
        codes = [result[f"reason_{rank}"] for rank in range(1, reasons + 1)]
        codes = [c for c in codes if isinstance(c, str)]
        out.append({"id": record["id"], "score": int(score), "reasons": codes})
    return out


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "tests/pmml/real"
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(20261202)
    train, y = applications(rng, 5000)
    paths = []
    for name, title, prefix, features, categorical, scaling, reasons, baselines in MODELS:
        pipeline, card = fit(name, features, categorical, scaling, train, y)
        path = os.path.join(out_dir, f"{name}.pmml")
        sklearn2pmml(pipeline, path)
        with_reasons(path, title, prefix, features, card, reasons, baselines)
        paths.append((name, path, features, reasons))
    cuts = {}
    for _, path, _, _ in paths:
        for field, values in cut_offs(path).items():
            cuts.setdefault(field, set()).update(values)
    cuts = {field: sorted(values) for field, values in cuts.items()}
    records = scoring_records(rng, cuts)
    with open(os.path.join(out_dir, "records.jsonl"), "w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    for name, path, features, reasons in paths:
        with open(os.path.join(out_dir, f"{name}.expected.jsonl"), "w", encoding="utf-8") as f:
            for line in reference(path, records, features, reasons):
                f.write(json.dumps(line, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
