//! What the referrer says and chooses for one referral, before it is signed (the "check your
//! answers" step): why now and what is asked, which every form asks and none can work without;
//! for children's social care, whether the parents know and whether they consent to sharing
//! (and if not, why not); for the LADO, the harm criteria, whether the adult knows, previous
//! concerns and what has been done; the child's views, where the child is now and what must not
//! reach the family, where the referrer knows them; whom it goes to and how; the phone call it
//! confirms; which witnesses or reporters to name, none unless chosen, and which sensitive
//! details of each person to leave out (data minimisation, domain review §2.3). The preview and
//! the PDF are built from the same choices; the audit trail keeps them, and the
//! information-sharing record keeps whom, how, why and on what basis.

use serde::{Deserialize, Serialize};

use super::Recipient;
use crate::error::{Field, Form};
use crate::records::family::ConsentOutcome;
use crate::records::sharing::{Article6, Article9};
use crate::records::{fields, RecordId};
use crate::Result;

text_enum! {
    /// How the signed PDF is sent. A referral naming a child goes only by a secure route.
    SendRoute {
        SecureEmail = "secure_email", "Secure e-mail";
        Portal = "portal", "The service's online referral portal";
        ByHand = "by_hand", "By hand";
        Post = "post", "Recorded post";
    }
}

text_enum! {
    /// The harm criteria for an allegation about an adult who works with children: KCSIE 2025,
    /// Part four, section one, "Concerns or allegations that may meet the harm threshold" (the
    /// four criteria, numbered paragraph 356 in the 2024 edition; the 2025 edition made
    /// technical changes only). A concern that meets none of them is a low-level concern (Part
    /// four, section two), which is not referred to the LADO this way.
    HarmCriterion {
        Harmed = "harmed", "Behaved in a way that has harmed a child, or may have harmed a child";
        Offence = "offence", "Possibly committed a criminal offence against or related to a child";
        RiskOfHarm = "risk_of_harm", "Behaved towards a child or children in a way that indicates they may pose a risk of harm to children";
        Unsuitable = "unsuitable", "Behaved or may have behaved in a way that indicates they may not be suitable to work with children";
    }
}

text_enum! {
    /// Sensitive details about a person that the referrer may leave out of one referral.
    Sensitive {
        StatusWithServices = "status_with_services", "Status with services (plans, looked after, early help)";
        Send = "send", "Special educational needs (SEND)";
        Ethnicity = "ethnicity", "Ethnicity";
        OtherAgencies = "other_agencies", "Other agencies involved (such as CAMHS or the GP)";
    }
}

/// One detail of one person left out of a referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LeftOut {
    pub person: RecordId,
    pub detail: Sensitive,
}

/// What a LADO form asks about the adult that the record does not hold: the answers for this
/// referral.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AboutTheAdult {
    /// Which harm criteria the allegation meets (at least one, or it is not a LADO referral).
    pub harm_criteria: Vec<HarmCriterion>,
    /// Whether the adult knows of the allegation or this referral, and if not why not.
    pub adult_knows: Option<bool>,
    pub adult_knows_note: String,
    /// Previous allegations or concerns about them, low-level concerns included ("None known").
    pub previous_concerns: String,
    /// What has been done so far: suspension or other arrangements, who has been told.
    pub actions_taken: String,
    /// Other work or volunteering with children or adults at risk, where known.
    pub other_work: String,
    /// Their own children or caring responsibilities, where known.
    pub own_children: String,
}

/// The referrer's answers for one referral.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Choices {
    /// Why the referral is made, now, in the referrer's words.
    pub reason: String,
    /// What the referrer asks the recipient to do.
    pub asks: String,
    /// The child's views and wishes, as the child gave them.
    pub childs_views: String,
    /// Where the child is now, and whether they are safe there.
    pub where_child_is: String,
    /// What must not be shared with the family (and why).
    pub not_for_family: String,
    /// Whether the parents or carers know of this referral (children's social care must be
    /// told, and forms send a referral back without it), and if not, why not.
    pub parents_know: Option<bool>,
    pub parents_know_why_not: String,
    /// Consent to share (children's social care): given, refused or not sought; by whom; and
    /// when not given, the reason to share without it. The window starts from the incident's
    /// consent record.
    pub consent: Option<ConsentOutcome>,
    pub consent_by: String,
    pub consent_note: String,
    /// The LADO's questions about the adult (empty for other recipients).
    pub adult: AboutTheAdult,
    /// The team or person it goes to ("MASH duty team"); empty: the service's name in
    /// Settings' contacts.
    pub recipient_name: String,
    /// How the PDF is sent; empty: not said (the information-sharing record says so).
    pub sent_by: Option<SendRoute>,
    /// The agency contact in the chronology (a phone call) that this written referral confirms.
    pub confirms_call: Option<RecordId>,
    /// Witnesses or reporters on the incident whom the referrer chooses to name.
    pub also_name: Vec<RecordId>,
    /// Sensitive details of people in the referral that the referrer leaves out.
    pub leave_out: Vec<LeftOut>,
    /// The lawful bases for sharing (UK GDPR Art. 6 and 9); empty: public task, and
    /// safeguarding of children (DPA 2018 Sch. 1 para 18).
    pub article6: Option<Article6>,
    pub article9: Option<Article9>,
}

impl Choices {
    /// Checked as they will be used for `recipient`, every problem at once: the reason and what
    /// is asked are required; for children's social care, where the child is now, whether the
    /// parents know of the referral (if not, why not) and consent to share (given by whom; if not, the reason to
    /// share without it); for the LADO, at least one harm criterion, whether the adult knows
    /// (if not, why not) and previous concerns ("None known" is an answer). The rest must fit.
    pub fn checked(&self, recipient: Recipient) -> Result<Choices> {
        let mut form = Form::default();
        let text =
            |form: &mut Form, field, value: &str, max| form.check(fields::text(field, value, max));
        let reason = form.check(fields::required_text(Field::Reason, &self.reason, 4_000));
        let asks = form.check(fields::required_text(Field::Asks, &self.asks, 4_000));
        let childs_views = text(&mut form, Field::ChildsViews, &self.childs_views, 4_000);
        let where_child_is = text(&mut form, Field::WhereChildIs, &self.where_child_is, 2_000);
        let not_for_family = text(&mut form, Field::NotForFamily, &self.not_for_family, 4_000);
        let recipient_name = form.check(fields::line(
            Field::RecipientName,
            &self.recipient_name,
            fields::SHORT,
        ));
        let parents_know_why_not = text(
            &mut form,
            Field::ParentsKnowWhyNot,
            &self.parents_know_why_not,
            2_000,
        );
        let consent_by = form.check(fields::line(
            Field::ConsentBy,
            &self.consent_by,
            fields::SHORT,
        ));
        let consent_note = text(&mut form, Field::ConsentNote, &self.consent_note, 2_000);
        if recipient == Recipient::SocialCare {
            // Every inter-agency form asks where the child is and whether they are safe there.
            if where_child_is.is_empty() {
                form.add(fields::invalid(
                    Field::WhereChildIs,
                    "say where the child is now and whether they are safe there",
                ));
            }
            if self.parents_know.is_none() {
                form.add(fields::invalid(
                    Field::ParentsKnow,
                    "say whether the parents or carers know you are making this referral",
                ));
            }
            match self.consent {
                None => form.add(fields::invalid(
                    Field::Consent,
                    "say whether consent to share was given, refused or not sought",
                )),
                Some(ConsentOutcome::Given) if consent_by.is_empty() => form.add(fields::invalid(
                    Field::ConsentBy,
                    "say who gave consent (for example, the child's mother, Ann Smith)",
                )),
                Some(ConsentOutcome::Refused | ConsentOutcome::NotSought)
                    if consent_note.is_empty() =>
                {
                    form.add(fields::invalid(
                        Field::ConsentNote,
                        "say why you are sharing without consent (for example, seeking it would put the child at risk)",
                    ))
                }
                Some(_) => {}
            }
        }
        if self.parents_know == Some(false) && parents_know_why_not.is_empty() {
            form.add(fields::invalid(
                Field::ParentsKnowWhyNot,
                "say why they have not been told (for example, telling them could put the child at risk)",
            ));
        }
        let adult = if recipient == Recipient::Lado {
            self.adult.checked(&mut form)
        } else {
            AboutTheAdult::default()
        };
        let mut leave_out = self.leave_out.clone();
        leave_out.sort_unstable_by_key(|l| (l.person, l.detail.as_str()));
        leave_out.dedup();
        form.finish()?;
        Ok(Choices {
            parents_know: self.parents_know,
            parents_know_why_not,
            consent: if recipient == Recipient::SocialCare || self.consent.is_some() {
                self.consent
            } else {
                None
            },
            consent_by,
            consent_note,
            adult,
            reason,
            asks,
            childs_views,
            where_child_is,
            not_for_family,
            recipient_name,
            sent_by: self.sent_by,
            confirms_call: self.confirms_call,
            also_name: self.also_name.clone(),
            leave_out,
            article6: self.article6,
            article9: self.article9,
        })
    }

    pub fn article6(&self) -> Article6 {
        self.article6.unwrap_or(Article6::PublicTask)
    }

    pub fn article9(&self) -> Article9 {
        self.article9.unwrap_or(Article9::Safeguarding)
    }

    /// The choices without any words the referrer wrote, for the audit trail (which holds no
    /// record content: that stays in the signed PDF, whose hash is recorded): how it was sent,
    /// the lawful bases, the yes-or-no answers, the harm criteria, and which people and details
    /// were named or left out, by record number.
    pub fn without_content(&self) -> serde_json::Value {
        serde_json::json!({
            "sent_by": self.sent_by.map(SendRoute::as_str),
            "article6": self.article6().as_str(),
            "article9": self.article9().as_str(),
            "parents_know": self.parents_know,
            "consent": self.consent.map(ConsentOutcome::as_str),
            "harm_criteria": self.adult.harm_criteria.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            "adult_knows": self.adult.adult_knows,
            "confirms_call": self.confirms_call,
            "also_named": self.also_name,
            "left_out": self.leave_out.iter().map(|l| (l.person, l.detail.as_str())).collect::<Vec<_>>(),
        })
    }

    /// Whether `detail` of `person` is left out of this referral.
    pub fn leaves_out(&self, person: RecordId, detail: Sensitive) -> bool {
        self.leave_out
            .iter()
            .any(|l| l.person == person && l.detail == detail)
    }
}

impl AboutTheAdult {
    fn checked(&self, form: &mut Form) -> AboutTheAdult {
        let mut text = |field, value: &str| form.check(fields::text(field, value, 4_000));
        let adult_knows_note = text(Field::AdultKnowsNote, &self.adult_knows_note);
        let previous_concerns = text(Field::PreviousConcerns, &self.previous_concerns);
        let actions_taken = text(Field::ActionsTaken, &self.actions_taken);
        let other_work = text(Field::OtherWork, &self.other_work);
        let own_children = text(Field::OwnChildren, &self.own_children);
        if self.harm_criteria.is_empty() {
            form.add(fields::invalid(
                Field::HarmCriteria,
                "choose at least one. If none applies, this is a low-level concern, not a LADO referral",
            ));
        }
        match self.adult_knows {
            None => form.add(fields::invalid(
                Field::AdultKnows,
                "say whether the adult knows of the allegation",
            )),
            Some(false) if adult_knows_note.is_empty() => form.add(fields::invalid(
                Field::AdultKnowsNote,
                "say why not (usually: the LADO advises who tells them, and when)",
            )),
            Some(_) => {}
        }
        if previous_concerns.is_empty() {
            form.add(fields::invalid(
                Field::PreviousConcerns,
                "write what is known, low-level concerns included, or \"None known\"",
            ));
        }
        let mut harm_criteria = self.harm_criteria.clone();
        harm_criteria.sort_unstable_by_key(|c| HarmCriterion::ALL.iter().position(|a| a == c));
        harm_criteria.dedup();
        AboutTheAdult {
            harm_criteria,
            adult_knows: self.adult_knows,
            adult_knows_note,
            previous_concerns,
            actions_taken,
            other_work,
            own_children,
        }
    }
}
