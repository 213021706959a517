//! What the referrer says and chooses for one referral, before it is signed (the "check your
//! answers" step): why now and what is asked, which every form asks and none can work without;
//! the child's views, where the child is now and what must not reach the family, where the
//! referrer knows them; whom it goes to; and which witnesses or reporters to name, none unless
//! chosen (data minimisation, domain review §2.3). The preview and the PDF are built from the
//! same choices, and the information-sharing record keeps them.

use serde::{Deserialize, Serialize};

use super::Recipient;
use crate::error::{Field, Form};
use crate::records::sharing::{Article6, Article9};
use crate::records::{fields, RecordId};
use crate::Result;

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
    /// The team or person it goes to ("MASH duty team"); empty: the service's name in
    /// Settings' contacts.
    pub recipient_name: String,
    /// Witnesses or reporters on the incident whom the referrer chooses to name.
    pub also_name: Vec<RecordId>,
    /// The lawful bases for sharing (UK GDPR Art. 6 and 9); empty: public task, and
    /// safeguarding of children (DPA 2018 Sch. 1 para 18).
    pub article6: Option<Article6>,
    pub article9: Option<Article9>,
}

impl Choices {
    /// Checked as they will be used for `recipient`, every problem at once: the reason and what
    /// is asked are required; for children's social care, whether the parents know of the
    /// referral, and if not why not; the rest must fit.
    pub fn checked(&self, recipient: Recipient) -> Result<Choices> {
        let mut form = Form::default();
        let reason = form.check(fields::required_text(Field::Reason, &self.reason, 4_000));
        let asks = form.check(fields::required_text(Field::Asks, &self.asks, 4_000));
        let childs_views = form.check(fields::text(Field::ChildsViews, &self.childs_views, 4_000));
        let where_child_is = form.check(fields::text(
            Field::WhereChildIs,
            &self.where_child_is,
            2_000,
        ));
        let not_for_family = form.check(fields::text(
            Field::NotForFamily,
            &self.not_for_family,
            4_000,
        ));
        let recipient_name = form.check(fields::line(
            Field::RecipientName,
            &self.recipient_name,
            fields::SHORT,
        ));
        let parents_know_why_not = form.check(fields::text(
            Field::ParentsKnowWhyNot,
            &self.parents_know_why_not,
            2_000,
        ));
        if recipient == Recipient::SocialCare && self.parents_know.is_none() {
            form.add(fields::invalid(
                Field::ParentsKnow,
                "say whether the parents or carers know you are making this referral",
            ));
        }
        if self.parents_know == Some(false) && parents_know_why_not.is_empty() {
            form.add(fields::invalid(
                Field::ParentsKnowWhyNot,
                "say why they have not been told (for example, telling them could put the child at risk)",
            ));
        }
        form.finish()?;
        Ok(Choices {
            parents_know: self.parents_know,
            parents_know_why_not,
            reason,
            asks,
            childs_views,
            where_child_is,
            not_for_family,
            recipient_name,
            also_name: self.also_name.clone(),
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
}
